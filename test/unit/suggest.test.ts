import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../../src/domain/suggest.js';

describe('did you mean', () => {
  it('measures edits, ignoring case', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('Harbour', 'harbour')).toBe(0);
    expect(editDistance('', 'abc')).toBe(3);
  });
  it('suggests the closest name when it is a slip, and nothing for another name altogether', () => {
    const names = ['Harbour Aggregation', 'Harbour Brokers', 'Bondi Home Loans'];
    expect(closestName('Harbor Brokers', names)).toBe('Harbour Brokers');
    expect(closestName('harbour aggregaton', names)).toBe('Harbour Aggregation');
    expect(closestName('Bondi Home Loan', names)).toBe('Bondi Home Loans');
    expect(closestName('Nobody', names)).toBeNull();
    expect(closestName('Anything', [])).toBeNull();
  });
});
