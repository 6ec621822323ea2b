import { applyDecorators, Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/auth.decorators';
import { ApiCommonErrors } from './api-docs.decorators';

/**
 * A controller of reads from the read models. Every role but admin may read every agreement
 * it can see a key for: the parties of an agreement share its records (README, "Who may read
 * what"). One place for that rule, whichever feature folder the reads live in.
 */
export const ReadController = (): ClassDecorator =>
  applyDecorators(
    ApiTags('queries'),
    Controller(),
    Roles('integration', 'delegate', 'secretariat', 'auditor'),
    ApiCommonErrors(),
  );
