#!/usr/bin/env python3
"""Expected numbers of a FAERS / legacy AERS quarterly ASCII zip, from the raw files.

An oracle for tests of the importer (@vigilo/faers) and of what the ingest
service stored. Written on purpose without any code or logic of the importer:
Python standard library only (zipfile, csv, json), whole tables read with the
csv module, rows joined to DEMO through dictionaries. It counts raw rows; it
does not map anything except, in ``e2b_seriousness``, the documented table from
outcome codes to E2B seriousness flags (docs/faers-mapping.md).

Usage:
    python3 faers_expected.py QUARTER.zip [--per-version]

Output (JSON on stdout, keys sorted):

    zip                 base name of the zip file
    format              "faers" (primaryid, caseid, caseversion) or "aers"
                        (ISR, CASE, FOLL_SEQ: legacy AERS up to 2012Q3)
    files               {TABLE: path of the table's file inside the zip}
    duplicate_demo_rows DEMO rows whose primaryid/ISR was already seen (they
                        count once; the importer skips the repeats)
    orphan_rows         {TABLE: rows whose primaryid/ISR has no DEMO row}
    all_versions        counts over every report version (distinct primaryid
                        / ISR of DEMO), see "counts" below
    current_versions    the same counts over the current version of each case
                        only: the highest caseversion of a caseid (FAERS), the
                        highest ISR of a CASE (AERS)
    versions            only with --per-version: one object per version,
                        sorted by primaryid/ISR as numbers:
                          primaryid   primaryid (FAERS) or ISR (AERS)
                          caseid      caseid (FAERS) or CASE (AERS)
                          caseversion FAERS caseversion as an integer (null
                                      for AERS or when not a number)
                          current     true for the current version of its case
                          drugs       {role code: DRUG rows}
                          reactions   REAC rows
                          outcomes    sorted distinct OUTC codes

counts (all_versions, current_versions):

    cases               distinct caseid / CASE
    versions            distinct primaryid / ISR
    drugs               DRUG rows by role_cod: PS, SS, C, I, and "other" for
                        anything else (blank, unknown)
    drugs_total         all DRUG rows
    reactions           REAC rows (one per preferred term reported)
    outcome_rows        OUTC rows by outc_cod
    outcomes            versions having at least one OUTC row of each code
    versions_with_outcome  versions with at least one OUTC row
    e2b_seriousness     what the report model must hold by the documented
                        mapping: versions with seriousness death (DE),
                        lifethreatening (LT), hospitalization (HO),
                        disabling (DS), congenitalanomali (CA), other (OT or
                        RI), and serious (any of these seven codes) /
                        not_serious (none).

Values are read as Latin-1 (every byte decodes; only counts matter here).
Rows are joined to DEMO by primaryid / ISR. Role and outcome codes are
compared after trimming and upper-casing.
"""

import csv
import io
import json
import os
import re
import sys
import zipfile

TABLE_NAMES = ("DEMO", "DRUG", "REAC", "OUTC", "RPSR", "THER", "INDI")
FILE_NAME = re.compile(r"^(DEMO|DRUG|REAC|OUTC|RPSR|THER|INDI)\d\dQ[1-4](_NEW)?\.TXT$", re.IGNORECASE)
ROLES = ("PS", "SS", "C", "I")
SERIOUSNESS = (
    ("death", ("DE",)),
    ("lifethreatening", ("LT",)),
    ("hospitalization", ("HO",)),
    ("disabling", ("DS",)),
    ("congenitalanomali", ("CA",)),
    ("other", ("OT", "RI")),
)
SERIOUS_CODES = frozenset(code for _, codes in SERIOUSNESS for code in codes)


def locate_tables(archive):
    found = {}
    for name in archive.namelist():
        if name.endswith("/") or "deleted/" in name.lower():
            continue
        match = FILE_NAME.match(name.rsplit("/", 1)[-1])
        if match:
            table = match.group(1).upper()
            if table in found:
                raise SystemExit("two files for table %s: %s, %s" % (table, found[table], name))
            found[table] = name
    missing = [t for t in TABLE_NAMES if t not in found]
    if missing:
        raise SystemExit("tables missing from the zip: " + ", ".join(missing))
    return found


def read_table(archive, member):
    """Yields dicts (lower-case column -> value) for each non-blank data row."""
    with archive.open(member) as raw:
        text = io.TextIOWrapper(raw, encoding="latin-1", newline="")
        reader = csv.reader(text, delimiter="$", quoting=csv.QUOTE_NONE)
        header = None
        for fields in reader:
            if not fields or fields == [""]:
                continue
            if header is None:
                # A UTF-8 byte order mark read as Latin-1 is "\xef\xbb\xbf".
                if fields[0].startswith("\xef\xbb\xbf"):
                    fields[0] = fields[0][3:]
                header = [h.strip().lower() for h in fields]
                while header and header[-1] == "":
                    header.pop()
                continue
            yield {header[i]: (fields[i] if i < len(fields) else "") for i in range(len(header))}


def numeric(value):
    value = value.strip()
    return int(value) if value.isdigit() else None


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    if len(args) != 1:
        sys.stderr.write(__doc__)
        return 2
    per_version = "--per-version" in argv
    path = args[0]

    with zipfile.ZipFile(path) as archive:
        files = locate_tables(archive)
        fmt = key_col = case_col = None
        versions = {}
        duplicates = 0
        for row in read_table(archive, files["DEMO"]):
            if fmt is None:
                if "primaryid" in row:
                    fmt, key_col, case_col = "faers", "primaryid", "caseid"
                elif "isr" in row:
                    fmt, key_col, case_col = "aers", "isr", "case"
                else:
                    raise SystemExit("DEMO has neither primaryid nor isr")
            key = row[key_col].strip()
            if key in versions:
                duplicates += 1
                continue
            versions[key] = {
                "primaryid": key,
                "caseid": row[case_col].strip(),
                "caseversion": numeric(row.get("caseversion", "")) if fmt == "faers" else None,
                "drugs": {},
                "reactions": 0,
                "outcome_rows": {},
            }

        if fmt is None:
            raise SystemExit("DEMO has no data row")

        orphans = {}
        for table in ("DRUG", "REAC", "OUTC", "RPSR", "THER", "INDI"):
            orphans[table] = 0
            for row in read_table(archive, files[table]):
                version = versions.get(row[key_col].strip())
                if version is None:
                    orphans[table] += 1
                elif table == "DRUG":
                    role = row.get("role_cod", "").strip().upper()
                    role = role if role in ROLES else "other"
                    version["drugs"][role] = version["drugs"].get(role, 0) + 1
                elif table == "REAC":
                    version["reactions"] += 1
                elif table == "OUTC":
                    code = row.get("outc_cod", "").strip().upper()
                    version["outcome_rows"][code] = version["outcome_rows"].get(code, 0) + 1

    # The current version of each case.
    best = {}
    for key, version in versions.items():
        if fmt == "faers":
            rank = (version["caseversion"] if version["caseversion"] is not None else -1, int(key))
        else:
            rank = (int(key),)
        held = best.get(version["caseid"])
        if held is None or rank > held[0]:
            best[version["caseid"]] = (rank, key)
    current_keys = {key for _, key in best.values()}

    def counts(selected):
        total = {
            "cases": len({v["caseid"] for v in selected}),
            "versions": len(selected),
            "drugs": {r: 0 for r in ROLES + ("other",)},
            "drugs_total": 0,
            "reactions": 0,
            "outcome_rows": {},
            "outcomes": {},
            "versions_with_outcome": 0,
            "e2b_seriousness": {name: 0 for name, _ in SERIOUSNESS},
        }
        total["e2b_seriousness"]["serious"] = 0
        total["e2b_seriousness"]["not_serious"] = 0
        for v in selected:
            for role, n in v["drugs"].items():
                total["drugs"][role] += n
                total["drugs_total"] += n
            total["reactions"] += v["reactions"]
            codes = set(v["outcome_rows"])
            for code, n in v["outcome_rows"].items():
                total["outcome_rows"][code] = total["outcome_rows"].get(code, 0) + n
                total["outcomes"][code] = total["outcomes"].get(code, 0) + 1
            if codes:
                total["versions_with_outcome"] += 1
            for name, mapped in SERIOUSNESS:
                if codes.intersection(mapped):
                    total["e2b_seriousness"][name] += 1
            if codes & SERIOUS_CODES:
                total["e2b_seriousness"]["serious"] += 1
            else:
                total["e2b_seriousness"]["not_serious"] += 1
        return total

    every = list(versions.values())
    result = {
        "zip": os.path.basename(path),
        "format": fmt,
        "files": files,
        "duplicate_demo_rows": duplicates,
        "orphan_rows": orphans,
        "all_versions": counts(every),
        "current_versions": counts([v for k, v in versions.items() if k in current_keys]),
    }
    if per_version:
        result["versions"] = [
            {
                "primaryid": v["primaryid"],
                "caseid": v["caseid"],
                "caseversion": v["caseversion"],
                "current": v["primaryid"] in current_keys,
                "drugs": v["drugs"],
                "reactions": v["reactions"],
                "outcomes": sorted(v["outcome_rows"]),
            }
            for v in sorted(every, key=lambda v: int(v["primaryid"]))
        ]
    json.dump(result, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
