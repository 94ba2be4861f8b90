import { Column, Entity, PrimaryColumn } from 'typeorm';

export type SyncResource = 'accounts' | 'transactions' | 'positivepay-exceptions';
export const SYNC_RESOURCES: readonly SyncResource[] = ['accounts', 'transactions', 'positivepay-exceptions'];

/** One sync of one resource (table `sync_runs`). */
@Entity('sync_runs')
export class SyncRun {
  @PrimaryColumn({ type: 'varchar' }) id!: string;
  @Column({ type: 'varchar' }) resource!: SyncResource;
  /** `schedule`, `api` or `startup`. */
  @Column({ type: 'varchar' }) trigger!: string;
  /** The process that ran it. */
  @Column({ type: 'varchar' }) holder!: string;
  /** `running`, `succeeded`, `failed`, or `abandoned` (its process died; the next run redid its work). */
  @Column({ type: 'varchar' }) status!: string;
  @Column({ name: 'started_at' }) startedAt!: Date;
  @Column({ name: 'finished_at', nullable: true, type: Date }) finishedAt!: Date | null;
  @Column({ type: 'integer' }) pages!: number;
  @Column({ type: 'integer' }) inserted!: number;
  @Column({ type: 'integer' }) updated!: number;
  @Column({ type: 'integer' }) unchanged!: number;
  /** Transactions: the latest posting date stored when the run finished. */
  @Column({ type: 'varchar', nullable: true }) watermark!: string | null;
  @Column({ type: 'varchar', nullable: true }) error!: string | null;
}
