import { transition } from './payment-state.js';

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
});
