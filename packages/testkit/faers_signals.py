#!/usr/bin/env python3
"""Disproportionality tables of a FAERS quarterly ASCII zip, from the raw files.

An oracle for the search service's /signals endpoint, written without any code
or logic of Vigilo: Python standard library only, the raw DEMO, DRUG and REAC
tables (read with faers_expected.py's CSV reader), statistics computed here.

A report is the current version of a case (highest caseversion, then highest
primaryid). Its drugs are the trimmed DRUG `drugname` values (`prod_ai` when
the name is blank), only `PS`/`SS` rows with --suspect; its events are the
trimmed REAC `pt` values in lower case. The receive date is DEMO `init_fda_dt`
(a partial date counts as its first day), filtered by --from/--to (YYYYMMDD).

Usage:
    python3 faers_signals.py QUARTER.zip [--suspect] [--from D] [--to D]
                             [--limit K] [--drug NAME] [--event TERM]

Output (JSON): {"total": N, "drug_reports": {drug: reports}, "event_reports":
{event: reports}, "rows": [...]} where rows are, as the API defines:
  --drug and --event: the one pair; --drug: its K events with most reports;
  --event: its K drugs; neither: the K pairs with most reports. Ordered by
  a descending, then drug, then event (UTF-8 byte order). Each row has drug,
  event, a, b, c, d, prr, prr_lower, prr_upper, ror, ror_lower, ror_upper,
  expected, ic, ic025, ic975, chi2_yates, evans_signal (null where a zero cell
  leaves a value undefined or infinite; an infinite PRR, c = 0, passes Evans'
  PRR >= 2).
"""

import json
import math
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faers_expected import locate_tables, read_table  # noqa: E402

Z = 1.959963984540054


def option(argv, name, default=None):
    return argv[argv.index(name) + 1] if name in argv else default


def stats(a, b, c, d):
    n = a + b + c + d
    row = {"a": a, "b": b, "c": c, "d": d}
    if a > 0 and c > 0:
        prr = (a / (a + b)) / (c / (c + d))
        se = math.sqrt(1 / a - 1 / (a + b) + 1 / c - 1 / (c + d))
        row.update(prr=prr, prr_lower=math.exp(math.log(prr) - Z * se), prr_upper=math.exp(math.log(prr) + Z * se))
    else:
        row.update(prr=None, prr_lower=None, prr_upper=None)
    if min(a, b, c, d) > 0:
        ror = a * d / (b * c)
        se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)
        row.update(ror=ror, ror_lower=math.exp(math.log(ror) - Z * se), ror_upper=math.exp(math.log(ror) + Z * se))
    else:
        row.update(ror=None, ror_lower=None, ror_upper=None)
    expected = (a + b) * (a + c) / n if n else 0.0
    ic = math.log2((a + 0.5) / (expected + 0.5))
    s = a + 0.5
    row.update(expected=expected, ic=ic, ic025=ic - 3.3 * s ** -0.5 - 2 * s ** -1.5, ic975=ic + 2.4 * s ** -0.5 - 0.5 * s ** -1.5)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    chi2 = None if margins == 0 else n * max(0.0, abs(a * d - b * c) - n / 2) ** 2 / margins
    row["chi2_yates"] = chi2
    # With c = 0 the PRR is infinite (the event is only ever reported with this drug): it passes PRR >= 2.
    prr_passes = (a > 0 and c == 0) or (row["prr"] is not None and row["prr"] >= 2)
    row["evans_signal"] = bool(prr_passes and chi2 is not None and chi2 >= 4 and a >= 3)
    return row


def day(value):
    value = value.strip()
    if not value.isdigit() or len(value) not in (4, 6, 8):
        return None
    return value + "0101"[len(value) - 4:] if len(value) < 8 else value


def main(argv):
    path = argv[1]
    suspect = "--suspect" in argv
    since, until = option(argv, "--from"), option(argv, "--to")
    limit = int(option(argv, "--limit", "20"))
    only_drug, only_event = option(argv, "--drug"), option(argv, "--event")
    with zipfile.ZipFile(path) as archive:
        files = locate_tables(archive)
        demo = {}
        for row in read_table(archive, files["DEMO"]):
            key = row["primaryid"].strip()
            if key in demo:
                continue
            version = row.get("caseversion", "").strip()
            demo[key] = (row["caseid"].strip(), int(version) if version.isdigit() else -1, day(row.get("init_fda_dt", "")))
        best = {}
        for key, (case, version, _) in demo.items():
            rank = (version, int(key))
            if case not in best or rank > best[case][0]:
                best[case] = (rank, key)
        reports = {}
        for _, key in best.values():
            received = demo[key][2]
            if since and (received is None or received < since):
                continue
            if until and (received is None or received > until):
                continue
            reports[key] = (set(), set())
        for row in read_table(archive, files["DRUG"]):
            held = reports.get(row["primaryid"].strip())
            if held is None:
                continue
            if suspect and row.get("role_cod", "").strip().upper() not in ("PS", "SS"):
                continue
            name = row.get("drugname", "").strip() or row.get("prod_ai", "").strip()
            if name:
                held[0].add(name)
        for row in read_table(archive, files["REAC"]):
            held = reports.get(row["primaryid"].strip())
            if held is not None and row.get("pt", "").strip():
                held[1].add(row["pt"].strip().lower())

    total = len(reports)
    drug_n, event_n, pair_n = {}, {}, {}
    for drugs, events in reports.values():
        for drug in drugs:
            drug_n[drug] = drug_n.get(drug, 0) + 1
        for event in events:
            event_n[event] = event_n.get(event, 0) + 1
        for drug in drugs:
            for event in events:
                pair_n[(drug, event)] = pair_n.get((drug, event), 0) + 1

    if only_drug is not None and only_event is not None:
        pairs = [((only_drug, only_event.lower()), pair_n.get((only_drug, only_event.lower()), 0))]
    else:
        pairs = [
            (pair, n) for pair, n in pair_n.items()
            if (only_drug is None or pair[0] == only_drug) and (only_event is None or pair[1] == only_event.lower())
        ]
        pairs.sort(key=lambda item: (-item[1], item[0][0].encode("utf-8"), item[0][1].encode("utf-8")))
        pairs = pairs[:limit]
    rows = []
    for (drug, event), a in pairs:
        b = drug_n.get(drug, 0) - a
        c = event_n.get(event, 0) - a
        row = {"drug": drug, "event": event}
        row.update(stats(a, b, c, total - a - b - c))
        rows.append(row)
    json.dump({"total": total, "rows": rows, "drug_reports": drug_n, "event_reports": event_n}, sys.stdout, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
