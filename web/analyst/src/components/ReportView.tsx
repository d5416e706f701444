import { useEffect, useState } from 'react';
import { DRUG_ROLE, PATIENT_SEX, REACTION_OUTCOME, REPORTER_QUALIFICATION, formatDay } from '../analysis.js';
import { ApiError, type StoredReport, type VersionHistory } from '../api.js';
import type { Session } from '../App.js';

const SERIOUSNESS: ReadonlyArray<readonly [string, string]> = [
  ['seriousnessdeath', 'death'],
  ['seriousnesslifethreatening', 'life-threatening'],
  ['seriousnesshospitalization', 'hospitalisation'],
  ['seriousnessdisabling', 'disabling'],
  ['seriousnesscongenitalanomali', 'congenital anomaly'],
  ['seriousnessother', 'other'],
];

/** One report, de-identified (the ingest service's `view=deidentified`), with its version history. */
export function ReportView({ session, id, onClose }: { session: Session; id: string; onClose: () => void }) {
  const [stored, setStored] = useState<StoredReport | undefined>();
  const [history, setHistory] = useState<VersionHistory | undefined>();
  const [failure, setFailure] = useState<string | undefined>();

  useEffect(() => {
    let live = true;
    setStored(undefined);
    setFailure(undefined);
    Promise.all([session.api.report(session.tenant, id), session.api.versions(session.tenant, id)])
      .then(([report, versions]) => {
        if (!live) return;
        setStored(report.data);
        setHistory(versions.data);
      })
      .catch((error: unknown) => live && setFailure(error instanceof ApiError ? `${error.message} (${error.code})` : 'The report could not be loaded.'));
    return () => {
      live = false;
    };
  }, [session, id]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const report = stored?.report;
  const patient = report?.patient;
  const flags = report ? SERIOUSNESS.filter(([field]) => report[field] === '1').map(([, label]) => label) : [];
  return (
    <div className="overlay" onClick={onClose}>
      <article className="card dialog" role="dialog" aria-modal="true" aria-label={`Report ${id}`} onClick={(e) => e.stopPropagation()} data-testid="report-view">
        <header className="section-head">
          <h2>Report {id}</h2>
          <button className="link" onClick={onClose} data-testid="close-report">
            Close
          </button>
        </header>
        {failure && (
          <p className="error" role="alert">
            {failure}
          </p>
        )}
        {!report && !failure && <p className="muted">Loading…</p>}
        {report && stored && (
          <>
            <p className="muted">
              De-identified view: names, initials, identifiers, contact details, narratives, batch numbers and exact birth dates are removed.
              {stored.nullified && <strong> This report is nullified.</strong>}
            </p>
            <dl className="facts">
              <dt>Version</dt>
              <dd data-testid="report-version">
                {stored.safetyreportversion} of {stored.currentVersion}
              </dd>
              <dt>Received</dt>
              <dd>{formatDay(report.receivedate)}</dd>
              <dt>Serious</dt>
              <dd>{report.serious === '1' ? `yes${flags.length ? `: ${flags.join(', ')}` : ''}` : 'no'}</dd>
              <dt>Country</dt>
              <dd>{report.occurcountry ?? '–'}</dd>
              <dt>Reporter</dt>
              <dd>
                {REPORTER_QUALIFICATION[report.primarysource?.qualification ?? ''] ?? '–'}
                {report.primarysource?.reportercountry ? `, ${report.primarysource.reportercountry}` : ''}
              </dd>
              <dt>Patient</dt>
              <dd>
                {[
                  patient?.patientonsetage !== undefined ? `age ${patient.patientonsetage}${patient.patientonsetageunit === '801' ? ' years' : ''}` : undefined,
                  PATIENT_SEX[patient?.patientsex ?? ''],
                  patient?.patientweight !== undefined ? `${patient.patientweight} kg` : undefined,
                ]
                  .filter(Boolean)
                  .join(', ') || '–'}
              </dd>
            </dl>
            <h3>Drugs</h3>
            <table className="grid" data-testid="report-drugs">
              <thead>
                <tr>
                  <th>Product</th>
                  <th>Role</th>
                  <th>Active substance</th>
                  <th>Route</th>
                  <th>Indication</th>
                </tr>
              </thead>
              <tbody>
                {(patient?.drug ?? []).map((drug, i) => (
                  <tr key={i}>
                    <td>{drug.medicinalproduct ?? '–'}</td>
                    <td>{DRUG_ROLE[drug.drugcharacterization ?? ''] ?? '–'}</td>
                    <td>{drug.activesubstance?.activesubstancename ?? '–'}</td>
                    <td>{drug.drugadministrationroute ?? '–'}</td>
                    <td>{drug.drugindication ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <h3>Reactions</h3>
            <ul className="reactions" data-testid="report-reactions">
              {(patient?.reaction ?? []).map((reaction, i) => (
                <li key={i}>
                  {reaction.reactionmeddrapt ?? '–'}
                  {reaction.reactionoutcome && <span className="muted"> · {REACTION_OUTCOME[reaction.reactionoutcome] ?? reaction.reactionoutcome}</span>}
                </li>
              ))}
            </ul>
            {history && (
              <>
                <h3>Versions</h3>
                <ol className="versions" data-testid="report-versions">
                  {history.versions.map((v) => (
                    <li key={v.version}>
                      version {v.version}, stored {v.receivedAt.slice(0, 19).replace('T', ' ')} UTC{v.nullified ? ' (nullification)' : ''}
                    </li>
                  ))}
                </ol>
              </>
            )}
          </>
        )}
      </article>
    </div>
  );
}
