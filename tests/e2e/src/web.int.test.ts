import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type Page, chromium } from 'playwright-core';
import { createApiKey } from '@vigilo/postgres';
import {
  OutageProxy,
  REPO_ROOT,
  findPersonalData,
  reportWithEveryPersonalField,
  requireEnv,
  startServiceProcess,
  until,
  type RunningProcess,
} from '@vigilo/testkit';
import { FAERS_2017Q2, WritePath, run } from './writePath.js';

interface Oracle {
  total: number;
  drug_reports: Record<string, number>;
  event_reports: Record<string, number>;
  rows: Array<{ drug: string; event: string; a: number; b: number; c: number; d: number; evans_signal: boolean }>;
}

/** Expected numbers from the raw FAERS files (packages/testkit/faers_signals.py: no Vigilo code). */
async function oracle(...args: string[]): Promise<Oracle> {
  const { stdout } = await run('python3', [path.join(REPO_ROOT, 'packages/testkit/faers_signals.py'), FAERS_2017Q2, ...args], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as Oracle;
}

/** Screenshots of each step, kept after the run: `$VIGILO_ARTIFACTS_DIR/web/` (default `.vigilo/artifacts/web/`). */
const SHOTS = path.join(process.env['VIGILO_ARTIFACTS_DIR'] ?? path.join(REPO_ROOT, '.vigilo/artifacts'), 'web');

/** The launch flags Debian's Chromium needs here: no sandbox as root, and no calls home (the network is closed). */
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

/**
 * The analyst page in a real browser (Debian's Chromium, headless, driven by playwright-core), served by a real
 * proxy in front of real search and ingest services; the FAERS 2017Q2 quarter goes in through the whole write
 * path into Elasticsearch. The numbers the page shows are checked against the raw files, its inline syntax
 * errors against what the search service answers, and when the engine is cut the page must say so.
 */
describe('analyst web page (Chromium, through the proxy; FAERS 2017Q2 end to end)', function () {
  this.timeout(300_000);
  const wp = new WritePath({ tenantPrefix: 'web' });
  const piiId = 'PII-WEB-1';
  let engineProxy: OutageProxy;
  let search: RunningProcess;
  let proxy: RunningProcess;
  let browser: Browser;
  let page: Page;
  let key: string;
  const pageErrors: string[] = [];

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const total = async () => Number((await page.getByTestId('result-total').innerText()).replace(/[^0-9]/g, ''));
  /** Types a search, sends it, and waits until its page of results (not only its counts) is shown. */
  const searchFor = async (text: string) => {
    await page.getByTestId('search-input').fill(text);
    const answered = page.waitForResponse((r) => r.url().includes('/drug/event.json') && !new URL(r.url()).searchParams.has('count'));
    await page.getByTestId('search-submit').click();
    await answered;
    await page.locator('section.results[aria-busy="false"]').waitFor();
  };

  before(async () => {
    const executablePath = process.env['VIGILO_CHROMIUM'] ?? '/usr/bin/chromium';
    assert.ok(existsSync(executablePath), `no browser at ${executablePath}: scripts/infra/chromium.sh installs Debian's chromium`);
    mkdirSync(SHOTS, { recursive: true });
    await wp.start();
    await wp.importFaers();
    assert.equal((await wp.postJson(`/v1/tenants/${wp.tenant}/reports`, reportWithEveryPersonalField(piiId))).status, 201);
    assert.deepEqual(await wp.converged('the quarter is indexed'), []);
    engineProxy = new OutageProxy(new URL(wp.engineUrl));
    await engineProxy.start();
    search = await startServiceProcess('search', {
      VIGILO_DATABASE_URL: wp.db.url,
      VIGILO_ENGINE_URL: engineProxy.url,
      VIGILO_ENGINE_REQUEST_TIMEOUT: '15s',
      VIGILO_SEARCH_PORT: '0',
      VIGILO_SEARCH_HOST: '127.0.0.1',
    });
    proxy = await startServiceProcess('proxy', {
      VIGILO_DATABASE_URL: wp.db.url,
      VIGILO_PROXY_SEARCH_URL: search.url,
      VIGILO_PROXY_INGEST_URL: wp.ingest.url,
      VIGILO_PROXY_WEB_ROOT: requireEnv('VIGILO_WEB_DIST'),
      VIGILO_PROXY_PORT: '0',
      VIGILO_PROXY_HOST: '127.0.0.1',
      VIGILO_PROXY_RATE_TENANT_REQUESTS: '100000',
      VIGILO_PROXY_RATE_KEY_REQUESTS: '100000',
    });
    key = (await createApiKey(wp.db.pool, { tenant: wp.tenant, scopes: ['read'] })).key;
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => message.type() === 'error' && pageErrors.push(message.text()));
  });

  after(async () => {
    await browser?.close();
    await proxy?.stop();
    await search?.stop();
    await engineProxy?.stop();
    await wp.stop();
  });

  it('refuses a wrong key, then signs in with a tenant key and shows every report', async () => {
    await page.goto(proxy.url);
    assert.equal(new URL(page.url()).pathname, '/app/', '/ leads to the page');
    await page.getByTestId('api-key').fill('vgk_notakey0000_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx');
    await page.getByTestId('sign-in-submit').click();
    assert.match(await page.getByTestId('sign-in-error').innerText(), /not valid/);
    pageErrors.length = 0; // the refused key's 401 is logged by the browser
    await page.getByTestId('api-key').fill(key);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('result-total').waitFor();
    assert.match(await page.getByTestId('tenant').innerText(), new RegExp(`tenant ${wp.tenant}`));
    const expected = await oracle();
    assert.equal(await total(), expected.total + 1, 'the quarter plus the report with personal data');
    assert.equal(await page.getByTestId('degraded-banner').count(), 0, 'the engine answers: no banner');
    assert.equal(await page.getByTestId('result-row').count(), 20, 'the first page holds 20 reports');
    await shot('1-signed-in');
  });

  it('marks a syntax error inline, where the search service puts it, and does not send the search', async () => {
    for (const text of ['serious:1 AND occurcountry:"US', 'receivedate:[20170101 20170630]', 'patient.drug.nosuchfield:x']) {
      await page.getByTestId('search-input').fill(text);
      const marker = page.getByTestId('search-error');
      await marker.waitFor();
      const answer = await fetch(`${search.url}/v1/tenants/${wp.tenant}/drug/event.json?${new URLSearchParams({ search: text })}`, {
        headers: { 'x-vigilo-tenant': wp.tenant, 'x-vigilo-scopes': 'read' },
      });
      const body = (await answer.json()) as { error: { details: { code: string; position: number } } };
      assert.equal(answer.status, 400, text);
      assert.equal(await marker.getAttribute('data-code'), body.error.details.code, text);
      assert.equal(Number(await marker.getAttribute('data-position')), body.error.details.position, text);
      assert.equal(await page.getByTestId('search-submit').isDisabled(), true, `${text}: the search button is off`);
    }
    await shot('2-syntax-error');
  });

  it('finds the reports of one drug with the counts the raw files give, and draws both charts', async () => {
    const expected = await oracle();
    await searchFor('patient.drug.medicinalproduct.exact:"RISPERDAL"');
    await until(total, (n) => n === expected.drug_reports['RISPERDAL'], 'the RISPERDAL reports are listed');
    assert.equal(await page.getByTestId('result-row').count(), expected.drug_reports['RISPERDAL']);
    await searchFor('');
    await until(total, (n) => n === expected.total + 1, 'every report again');
    const top = Object.entries({ ...expected.event_reports, haemorrhage: (expected.event_reports['haemorrhage'] ?? 0) + 1 }).sort((a, b) => b[1] - a[1])[0]!;
    const chart = page.getByTestId('chart-top-reactions');
    assert.ok((await chart.textContent())?.includes(top[0]), `the top reaction ${top[0]} is drawn`);
    assert.equal(await chart.locator('svg rect').count(), 15, 'fifteen bars');
    assert.ok((await page.getByTestId('chart-over-time').locator('svg path').count()) >= 2, 'the monthly line and area are drawn');
    await shot('3-charts');
  });

  it('opens a report de-identified: drugs and reactions shown, no personal data on the page', async () => {
    await searchFor(`safetyreportid:"${piiId}"`);
    await until(total, (n) => n === 1, 'the report with personal data is found');
    await page.getByTestId('open-report').first().click();
    const dialog = page.getByTestId('report-view');
    await dialog.getByTestId('report-drugs').waitFor();
    assert.ok((await dialog.getByTestId('report-drugs').innerText()).includes('WARFARIN'));
    assert.ok((await dialog.getByTestId('report-reactions').innerText()).toLowerCase().includes('haemorrhage'));
    assert.deepEqual(findPersonalData(await page.content()), [], 'no personal field or value reaches the page');
    await shot('4-report');
    await dialog.getByTestId('close-report').click();
    await searchFor('');
  });

  it('computes the signal table of a drug as the raw files do, with Evans flags and a forest plot', async () => {
    const expected = await oracle('--drug', 'RISPERDAL', '--limit', '20');
    await page.getByTestId('tab-signals').click();
    await page.getByTestId('signal-drug').fill('RISPERDAL');
    await page.getByTestId('signal-submit').click();
    await until(async () => page.getByTestId('signal-row').count(), (n) => n === expected.rows.length && n > 0, 'the table of RISPERDAL');
    const rows = await page.getByTestId('signal-row').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? "")));
    assert.deepEqual(
      rows.map((cells) => [cells[0], cells[1], Number(cells[2]), Number(cells[3]), Number(cells[4]), cells[10] === 'signal']),
      // The report with personal data names WARFARIN, not RISPERDAL: it adds one report to d only.
      expected.rows.map((r) => [r.drug, r.event, r.a, r.b, r.c, r.evans_signal]),
    );
    await page.getByTestId('forest-estimate').selectOption('ic');
    assert.equal(await page.getByTestId('forest-plot').locator('svg g[aria-label="dot"] *').count(), expected.rows.length, 'one IC point per row');
    await shot('5-signals');
  });

  it('says when answers come from the database because the engine is cut, with the same numbers', async () => {
    const expected = await oracle();
    engineProxy.cut();
    try {
      await page.getByTestId('tab-reports').click();
      await searchFor('serious:1');
      await page.getByTestId('degraded-banner').waitFor();
      await searchFor('');
      await until(total, (n) => n === expected.total + 1, 'every report, from SQL');
      assert.equal(await page.getByTestId('degraded-banner').isVisible(), true);
      await shot('6-degraded');
    } finally {
      engineProxy.restore();
    }
    await until(
      async () => {
        await searchFor('');
        return page.getByTestId('degraded-banner').count();
      },
      (n) => n === 0,
      'the banner goes once the engine answers again',
      60_000,
    );
  });

  it('signs out and forgets the key, and the page ran without script errors', async () => {
    await page.getByTestId('sign-out').click();
    await page.getByTestId('api-key').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.reload();
    await page.getByTestId('api-key').waitFor();
    assert.deepEqual(pageErrors, []);
  });
});
