import { type FormEvent, useCallback, useEffect, useMemo, useState } from 'react';
import { type ForestEstimate, forestRows, formatEstimate } from '../analysis.js';
import { ApiError, type SignalParams, type SignalRow, type SignalTable } from '../api.js';
import type { AnswerListener, Session } from '../App.js';
import { ForestPlot } from './charts.js';

interface Form {
  drug: string;
  event: string;
  suspect: boolean;
  from: string;
  to: string;
  limit: number;
}

const EMPTY: Form = { drug: '', event: '', suspect: false, from: '', to: '', limit: 20 };

function describe(params: SignalParams): string {
  const scope = `${params.suspect ? 'suspect drugs only' : 'drugs in any role'}${params.from || params.to ? `, received ${params.from || '…'} to ${params.to || '…'}` : ''}`;
  if (params.drug && params.event) return `${params.drug} and ${params.event} (${scope})`;
  if (params.drug) return `events reported with ${params.drug} (${scope})`;
  if (params.event) return `drugs reported with ${params.event} (${scope})`;
  return `the most reported drug–event pairs (${scope})`;
}

/**
 * Disproportionality tables: for a drug, an event, a pair, or the top pairs; a, b, c, d, PRR, ROR and IC with
 * their 95% intervals, Yates chi-square and the Evans flag, and a forest plot of ROR.
 */
export function SignalsView({ session, onAnswer }: { session: Session; onAnswer: AnswerListener }) {
  const [form, setForm] = useState<Form>(EMPTY);
  const [asked, setAsked] = useState<SignalParams>({ limit: EMPTY.limit });
  const [table, setTable] = useState<SignalTable | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [estimate, setEstimate] = useState<ForestEstimate>('ror');

  const run = useCallback(
    async (params: SignalParams) => {
      setLoading(true);
      setFailure(undefined);
      try {
        const answer = await session.api.signals(session.tenant, params);
        onAnswer(answer);
        setAsked(params);
        setTable(answer.data);
      } catch (error) {
        setFailure(error instanceof ApiError ? `${error.message} (${error.code})` : 'The signal table could not be computed.');
      } finally {
        setLoading(false);
      }
    },
    [session, onAnswer],
  );

  useEffect(() => {
    void run({ limit: EMPTY.limit });
  }, [run]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run({ drug: form.drug, event: form.event, suspect: form.suspect, from: form.from, to: form.to, limit: form.limit });
  };
  const label = useCallback((row: SignalRow) => (asked.drug && !asked.event ? row.event : asked.event && !asked.drug ? row.drug : `${row.drug} · ${row.event}`), [asked]);
  const forest = useMemo(() => (table ? forestRows(table.rows, estimate, label) : []), [table, label, estimate]);
  const set = <K extends keyof Form>(key: K) => (value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));

  return (
    <main className="view">
      <form className="card signal-form" onSubmit={submit} data-testid="signal-form">
        <label>
          Drug
          <input value={form.drug} onChange={(e) => set('drug')(e.target.value)} placeholder="medicinal product, e.g. RISPERDAL" data-testid="signal-drug" />
        </label>
        <label>
          Event
          <input value={form.event} onChange={(e) => set('event')(e.target.value)} placeholder="MedDRA preferred term" data-testid="signal-event" />
        </label>
        <label className="inline">
          <input type="checkbox" checked={form.suspect} onChange={(e) => set('suspect')(e.target.checked)} data-testid="signal-suspect" /> suspect drugs only
        </label>
        <label>
          Received from
          <input type="date" value={form.from} onChange={(e) => set('from')(e.target.value)} data-testid="signal-from" />
        </label>
        <label>
          to
          <input type="date" value={form.to} onChange={(e) => set('to')(e.target.value)} data-testid="signal-to" />
        </label>
        <label>
          Rows
          <input type="number" min={1} max={1000} value={form.limit} onChange={(e) => set('limit')(Number(e.target.value))} />
        </label>
        <button type="submit" disabled={loading} data-testid="signal-submit">
          {loading ? 'Computing…' : 'Compute'}
        </button>
      </form>
      {failure && (
        <p className="error" role="alert" data-testid="signal-failure">
          {failure}
        </p>
      )}
      {table && (
        <>
          <section className="card">
            <header className="section-head">
              <h2>Signals: {describe(asked)}</h2>
              <span className="muted" data-testid="signal-total">
                {table.totalReports.toLocaleString('en')} reports in scope
              </span>
            </header>
            {table.rows.length === 0 ? (
              <p className="muted" data-testid="signal-empty">
                No drug–event pair in this scope.
              </p>
            ) : (
              <div className="scroll">
                <table className="grid numbers" data-testid="signal-table">
                  <thead>
                    <tr>
                      <th>Drug</th>
                      <th>Event</th>
                      <th title="reports with the drug and the event">a</th>
                      <th title="reports with the drug, without the event">b</th>
                      <th title="reports with the event, without the drug">c</th>
                      <th title="reports with neither">d</th>
                      <th>PRR (95% CI)</th>
                      <th>ROR (95% CI)</th>
                      <th>IC (IC025–IC975)</th>
                      <th>χ² (Yates)</th>
                      <th title="PRR ≥ 2, χ² ≥ 4, a ≥ 3">Evans</th>
                    </tr>
                  </thead>
                  <tbody>
                    {table.rows.map((row) => (
                      <tr key={`${row.drug}\u0000${row.event}`} className={row.evans_signal ? 'signal' : ''} data-testid="signal-row">
                        <td>{row.drug}</td>
                        <td>{row.event}</td>
                        <td>{row.a}</td>
                        <td>{row.b}</td>
                        <td>{row.c}</td>
                        <td>{row.d}</td>
                        <td>{formatEstimate(row.prr)}</td>
                        <td>{formatEstimate(row.ror)}</td>
                        <td>{formatEstimate(row.ic)}</td>
                        <td>{row.chi2_yates === null ? '–' : row.chi2_yates.toFixed(2)}</td>
                        <td data-testid="evans">{row.evans_signal ? <span className="pill serious">signal</span> : 'no'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          {table.rows.length > 0 && (
            <section className="card">
              <header className="section-head">
                <h3>Forest plot</h3>
                <label className="muted">
                  estimate{' '}
                  <select value={estimate} onChange={(e) => setEstimate(e.target.value as ForestEstimate)} data-testid="forest-estimate">
                    <option value="ror">ROR</option>
                    <option value="prr">PRR</option>
                    <option value="ic">IC</option>
                  </select>
                </label>
              </header>
              <p className="muted" data-testid="forest-note">
                95% intervals; red: Evans signal.
                {forest.length < table.rows.length &&
                  ` ${table.rows.length - forest.length} of ${table.rows.length} rows have no defined ${estimate.toUpperCase()} (a zero cell) and are left out; IC is defined for every row.`}
              </p>
              {forest.length > 0 && <ForestPlot rows={forest} estimate={estimate} />}
            </section>
          )}
        </>
      )}
    </main>
  );
}
