import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Who may run a job now (table `job_leases`): one holder at a time across replicas. */
@Entity('job_leases')
export class JobLease {
  /** The job: a sync of one resource (`sync:accounts`), the payments' recovery (`payments-recovery`). */
  @PrimaryColumn({ type: 'varchar' }) name!: string;
  @Column({ type: 'varchar' }) holder!: string;
  @Column({ name: 'expires_at' }) expiresAt!: Date;
}
