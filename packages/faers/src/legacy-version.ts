/**
 * Versions for legacy AERS reports, which have no version number.
 *
 * A version's base is legacyBaseVersion() (FOLL_SEQ + 1, else 1 for an initial
 * and 2 for a follow-up report). Within one quarter the ISRs of a case are
 * seen in increasing order (DEMO is sorted by ISR and FDA assigns ISRs in order
 * of receipt), and each gets max(base, previous version + 1): the highest ISR
 * is always the highest, hence current, version, and two ISRs of one case
 * never share a version.
 *
 * Memory: one small entry per case seen (bounded by the cases in the quarter).
 */
export class LegacyVersionAssigner {
  private readonly last = new Map<string, number>();

  assign(caseid: string, base: number): number {
    const previous = this.last.get(caseid);
    const version = previous === undefined ? base : Math.max(base, previous + 1);
    this.last.set(caseid, version);
    return version;
  }
}
