import { withArticle } from '@accord/commitments';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '../http/problem';
import { ApiKeys } from './api-keys.service';
import { ALLOWED_ROLES, PUBLIC_ROUTE } from './auth.decorators';
import type { Principal, Role } from './principal';

/** `Authorization: Bearer <key>` on every route but the public ones; roles checked per route. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeys,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) {
      throw new ProblemException(401, 'UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>"');
    }
    const check = await this.keys.check(match[1]);
    if ('refused' in check) throw new ProblemException(401, 'UNAUTHENTICATED', check.refused);
    const { principal } = check;
    request.principal = principal;
    // Admin passes every route; the deciders still refuse it what only a party or the
    // committee may do (decision 0014).
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ALLOWED_ROLES, targets);
    if (roles && principal.role !== 'admin' && !roles.includes(principal.role)) {
      throw new ProblemException(
        403,
        'FORBIDDEN',
        `${withArticle(`${principal.role} key`, { capital: true })} may not do this (allowed: ${roles.join(', ')})`,
      );
    }
    return true;
  }
}
