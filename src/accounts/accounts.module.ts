import { Module } from '@nestjs/common';
import { AccountRepository } from './account.repository.js';
import { AccountsController } from './accounts.controller.js';
import { AccountsSyncer } from './accounts.syncer.js';

@Module({ controllers: [AccountsController], providers: [AccountRepository, AccountsSyncer], exports: [AccountsSyncer] })
export class AccountsModule {}
