import { isFinal, transition } from './payment-state.js';

describe('payment state machine', () => {
  it('moves forward, possibly skipping a step', () => {
    expect(transition('P_PENDING', 'P_PROCESSING')).toBe('apply');
    expect(transition('P_PENDING', 'P_COMPLETED')).toBe('apply');
    expect(transition('P_PROCESSING', 'P_FAILED')).toBe('apply');
  });

  it('a final status never goes back or changes', () => {
    expect(transition('P_COMPLETED', 'P_PENDING')).toBe('stale');
    expect(transition('P_FAILED', 'P_PROCESSING')).toBe('stale');
    expect(transition('P_COMPLETED', 'P_FAILED')).toBe('illegal');
    expect(transition('P_FAILED', 'P_COMPLETED')).toBe('illegal');
  });

  it('a duplicate changes nothing; an older status arriving late is ignored', () => {
    expect(transition('P_COMPLETED', 'P_COMPLETED')).toBe('same');
    expect(transition('P_PROCESSING', 'P_PENDING')).toBe('stale');
  });

  it("the gateway's own states come before QBank's and never follow them", () => {
    expect(transition('P_AWAITING_APPROVAL', 'P_PENDING')).toBe('apply');
    expect(transition('P_AWAITING_APPROVAL', 'P_SCHEDULED')).toBe('apply');
    expect(transition('P_SCHEDULED', 'P_PENDING')).toBe('apply');
    expect(transition('P_SCHEDULED', 'P_CANCELLED')).toBe('apply');
    expect(transition('P_PENDING', 'P_SCHEDULED')).toBe('stale');
    expect(transition('P_PENDING', 'P_CANCELLED')).toBe('illegal');
    expect(transition('P_COMPLETED', 'P_AWAITING_APPROVAL')).toBe('stale');
    expect(transition('P_CANCELLED', 'P_PENDING')).toBe('illegal');
    expect(transition('P_REJECTED', 'P_COMPLETED')).toBe('illegal');
  });

  it('knows the final states', () => {
    for (const state of ['P_COMPLETED', 'P_FAILED', 'P_REJECTED', 'P_EXPIRED', 'P_CANCELLED'] as const) expect(isFinal(state)).toBe(true);
    for (const state of ['P_AWAITING_APPROVAL', 'P_SCHEDULED', 'P_PENDING', 'P_PROCESSING'] as const) expect(isFinal(state)).toBe(false);
  });
});
