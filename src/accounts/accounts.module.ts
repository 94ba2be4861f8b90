import { Module } from '@nestjs/common';
import { AccountRepository } from './account.repository.js';
import { AccountsController } from './accounts.controller.js';

@Module({ controllers: [AccountsController], providers: [AccountRepository], exports: [AccountRepository] })
export class AccountsModule {}
