import { useCallback, useEffect, useState } from 'react';
import { type MonthCount, type SearchProblem, DRUG_ROLE, formatDay, monthlySeries } from '../analysis.js';
import { ApiError, type EventsPage, type ReportDocument, type TermCount, type TimeCount } from '../api.js';
import type { AnswerListener, Session } from '../App.js';
import { ReportsOverTimeChart, TopReactionsChart } from './charts.js';
import { QueryBox } from './QueryBox.js';
import { ReportView } from './ReportView.js';

const PAGE_SIZE = 20;
const MAX_SKIP = 25_000;

interface Results {
  readonly search: string;
  readonly page: EventsPage;
  readonly reactions: readonly TermCount[];
  readonly series: readonly MonthCount[];
}

function suspects(report: ReportDocument): string {
  const drugs = report.patient?.drug ?? [];
  const names = drugs.filter((d) => d.drugcharacterization === '1').map((d) => d.medicinalproduct ?? '?');
  return names.length > 0 ? names.join(', ') : drugs.map((d) => d.medicinalproduct ?? '?').join(', ');
}

function reactions(report: ReportDocument): string {
  const terms = (report.patient?.reaction ?? []).map((r) => r.reactionmeddrapt ?? '?');
  return terms.length > 3 ? `${terms.slice(0, 3).join(', ')} +${terms.length - 3}` : terms.join(', ');
}

export function SearchView({ session, onAnswer }: { session: Session; onAnswer: AnswerListener }) {
  const [text, setText] = useState('');
  const [results, setResults] = useState<Results | undefined>();
  const [serverProblem, setServerProblem] = useState<SearchProblem | undefined>();
  const [failure, setFailure] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [selected, setSelected] = useState<string | undefined>();
  const closeReport = useCallback(() => setSelected(undefined), []);

  const run = useCallback(
    async (search: string, skip: number) => {
      setLoading(true);
      setFailure(undefined);
      setServerProblem(undefined);
      const { api, tenant } = session;
      try {
        const [page, top, daily] = await Promise.all([
          api.events(tenant, search, { limit: PAGE_SIZE, skip }),
          api.counts<TermCount>(tenant, search, 'patient.reaction.reactionmeddrapt.exact', 15),
          api.counts<TimeCount>(tenant, search, 'receivedate', 1000),
        ]);
        onAnswer(page);
        setResults({ search, page: page.data, reactions: top.data, series: monthlySeries(daily.data) });
      } catch (error) {
        if (error instanceof ApiError && error.parameter === 'search' && error.position !== undefined) {
          setServerProblem({ code: error.code, message: error.message, position: error.position });
        } else {
          setFailure(error instanceof ApiError ? `${error.message} (${error.code})` : 'The search failed.');
        }
      } finally {
        setLoading(false);
      }
    },
    [session, onAnswer],
  );

  useEffect(() => {
    void run('', 0);
  }, [run]);

  const page = results?.page;
  const skip = page?.skip ?? 0;
  return (
    <main className="view">
      <QueryBox
        text={text}
        onText={(value) => {
          setText(value);
          setServerProblem(undefined);
        }}
        onSubmit={() => void run(text, 0)}
        serverProblem={serverProblem}
      />
      {failure && (
        <p className="error" role="alert" data-testid="search-failure">
          {failure}
        </p>
      )}
      {page && results && (
        <div className="columns">
          <section className="card results" aria-busy={loading}>
            <header className="section-head">
              <h2 data-testid="result-total">
                {page.total.toLocaleString('en')} {page.total === 1 ? 'report' : 'reports'}
              </h2>
              <span className="muted">{results.search ? <code>{results.search}</code> : 'all reports'}</span>
            </header>
            {page.results.length === 0 ? (
              <p className="muted" data-testid="no-results">
                No report matches this search.
              </p>
            ) : (
              <table className="grid" data-testid="results">
                <thead>
                  <tr>
                    <th>Report</th>
                    <th>Received</th>
                    <th>Serious</th>
                    <th>Suspect drugs</th>
                    <th>Reactions</th>
                  </tr>
                </thead>
                <tbody>
                  {page.results.map((report) => (
                    <tr key={report.safetyreportid} className="clickable" onClick={() => setSelected(report.safetyreportid)} data-testid="result-row">
                      <td>
                        <button className="link" data-testid="open-report">
                          {report.safetyreportid}
                        </button>
                      </td>
                      <td className="day">{formatDay(report.receivedate)}</td>
                      <td>{report.serious === '1' ? <span className="pill serious">serious</span> : 'no'}</td>
                      <td title={(report.patient?.drug ?? []).map((d) => `${d.medicinalproduct} (${DRUG_ROLE[d.drugcharacterization ?? ''] ?? '?'})`).join('\n')}>{suspects(report)}</td>
                      <td>{reactions(report)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <footer className="pager">
              <button disabled={skip === 0 || loading} onClick={() => void run(results.search, Math.max(0, skip - PAGE_SIZE))}>
                Previous
              </button>
              <span className="muted">
                {page.total === 0 ? 0 : skip + 1}–{Math.min(skip + PAGE_SIZE, page.total)} of {page.total.toLocaleString('en')}
              </span>
              <button disabled={skip + PAGE_SIZE >= page.total || skip + PAGE_SIZE > MAX_SKIP || loading} onClick={() => void run(results.search, skip + PAGE_SIZE)} data-testid="next-page">
                Next
              </button>
            </footer>
          </section>
          <aside className="charts">
            <section className="card">
              <h3>Top reactions</h3>
              {results.reactions.length > 0 ? <TopReactionsChart counts={results.reactions} /> : <p className="muted">No reactions.</p>}
            </section>
            <section className="card">
              <h3>Reports over time</h3>
              {results.series.length > 0 ? <ReportsOverTimeChart series={results.series} /> : <p className="muted">No receive dates.</p>}
            </section>
          </aside>
        </div>
      )}
      {selected && <ReportView session={session} id={selected} onClose={closeReport} />}
    </main>
  );
}
