import { Global, Module } from '@nestjs/common';
import { AccountGrants } from './account-grants.js';

/** The callers' account grants, for every module that names an account. */
@Global()
@Module({ providers: [AccountGrants], exports: [AccountGrants] })
export class GrantsModule {}
