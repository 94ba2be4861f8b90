import { Module } from '@nestjs/common';
import { TransactionRepository } from './transaction.repository.js';
import { TransactionsController } from './transactions.controller.js';

@Module({ controllers: [TransactionsController], providers: [TransactionRepository], exports: [TransactionRepository] })
export class TransactionsModule {}
