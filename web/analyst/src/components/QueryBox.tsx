import { type FormEvent, useMemo } from 'react';
import { type SearchProblem, checkSearch } from '../analysis.js';

const EXAMPLES: ReadonlyArray<readonly [string, string]> = [
  ['Serious reports', 'serious:1'],
  ['A suspect drug', 'patient.drug:(medicinalproduct.exact:RISPERDAL AND drugcharacterization:1)'],
  ['A reaction phrase', 'patient.reaction.reactionmeddrapt:"drug ineffective"'],
  ['Received in a range', 'receivedate:[20170101 TO 20170630] AND occurcountry:US'],
];

/** Shows the search text with the offending character marked, as the parser reported it. */
export function ProblemMarker({ text, problem, testId }: { text: string; problem: SearchProblem; testId: string }) {
  const at = problem.position;
  return (
    <div className="problem" role="alert" data-testid={testId} data-code={problem.code} data-position={at}>
      <code className="marked">
        {text.slice(0, at)}
        <mark>{text.slice(at, at + 1) || ' '}</mark>
        {text.slice(at + 1)}
      </code>
      <span>
        {problem.message} <span className="code">{problem.code}</span>
      </span>
    </div>
  );
}

/** The search box: openFDA syntax, checked on every keystroke by the same parser the service runs. */
export function QueryBox({ text, onText, onSubmit, serverProblem }: { text: string; onText: (text: string) => void; onSubmit: () => void; serverProblem?: SearchProblem | undefined }) {
  const problem = useMemo(() => checkSearch(text), [text]);
  const shown = problem ?? serverProblem;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!problem) onSubmit();
  };
  return (
    <form className="querybox" onSubmit={submit}>
      <div className="row">
        <input
          aria-label="Search"
          aria-invalid={problem !== undefined}
          className={problem ? 'invalid' : ''}
          value={text}
          spellCheck={false}
          onChange={(e) => onText(e.target.value)}
          placeholder='patient.drug.medicinalproduct:"aspirin" AND serious:1 (empty: every report)'
          data-testid="search-input"
        />
        <button type="submit" disabled={problem !== undefined} data-testid="search-submit">
          Search
        </button>
      </div>
      {shown && <ProblemMarker text={text} problem={shown} testId="search-error" />}
      <div className="examples">
        {EXAMPLES.map(([label, query]) => (
          <button type="button" key={label} className="chip" onClick={() => onText(query)} title={query}>
            {label}
          </button>
        ))}
      </div>
    </form>
  );
}
