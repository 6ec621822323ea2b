import { Global, Module } from '@nestjs/common';
import type { ApiConfig } from './api-config';

export const API_CONFIG = Symbol('API_CONFIG');

@Global()
@Module({})
export class ApiConfigModule {
  static forRoot(config: ApiConfig) {
    return { module: ApiConfigModule, providers: [{ provide: API_CONFIG, useValue: config }], exports: [API_CONFIG] };
  }
}
