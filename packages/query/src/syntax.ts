/** The raw tree the generated parser returns (see grammar.peggy); offsets are 0-based in the decoded search. */

export interface SynTerm {
  readonly t: 'term';
  readonly text: string;
  readonly at: number;
}
export interface SynPhrase {
  readonly t: 'phrase';
  readonly text: string;
  readonly at: number;
}
export interface SynBound {
  /** null for `*` (open). */
  readonly text: string | null;
  readonly at: number;
}
export interface SynRange {
  readonly t: 'range';
  readonly lo: SynBound;
  readonly hi: SynBound;
  readonly at: number;
}
export interface SynList {
  readonly t: 'list';
  readonly items: readonly (SynTerm | SynPhrase)[];
  readonly at: number;
}
export type SynValue = SynTerm | SynPhrase | SynRange | SynList;

export type Syn =
  | { readonly t: 'or' | 'and'; readonly items: readonly Syn[]; readonly at: number }
  | { readonly t: 'not'; readonly item: Syn; readonly at: number }
  | { readonly t: 'exists' | 'missing'; readonly field: string; readonly fieldAt: number; readonly at: number }
  | { readonly t: 'group'; readonly path: string; readonly pathAt: number; readonly body: Syn; readonly at: number }
  | { readonly t: 'field'; readonly field: string; readonly fieldAt: number; readonly value: SynValue; readonly at: number };
