// The Overview's numbers as people read them: percentages and the charts' axis tops.
import { describe, expect, it } from 'vitest';
import { axisTop, percentOf } from '../../src/web/views/charts.js';

describe('Overview figures', () => {
  it('rounds percentages to nearest, but 100% only for everyone and 0% only for no one', () => {
    expect(percentOf(2, 7)).toBe(29);
    expect(percentOf(4, 6)).toBe(67);
    expect(percentOf(199, 200)).toBe(99);
    expect(percentOf(1, 300)).toBe(1);
    expect(percentOf(0, 5)).toBe(0);
    expect(percentOf(5, 5)).toBe(100);
    expect(percentOf(0, 0)).toBe(0);
  });

  it('tops each chart at a round number at least as high as its highest day', () => {
    expect(axisTop(0)).toBe(4);
    expect(axisTop(3)).toBe(4);
    expect(axisTop(9)).toBe(10);
    expect(axisTop(13)).toBe(20);
    expect(axisTop(27)).toBe(50);
    expect(axisTop(86_573)).toBe(100_000);
  });
});
