import { Module } from '@nestjs/common';
import { ApprovalPolicies } from './approval-policies.js';
import { ApprovalRepository } from './approval.repository.js';
import { BeneficiaryFingerprints } from './beneficiary-fingerprints.js';

/** What the payments need of approvals when a payment is initiated: the policies and the requests' store. */
@Module({
  providers: [ApprovalPolicies, ApprovalRepository, BeneficiaryFingerprints],
  exports: [ApprovalPolicies, ApprovalRepository, BeneficiaryFingerprints],
})
export class ApprovalRulesModule {}
