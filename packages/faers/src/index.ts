export {
  readFaersQuarter,
  inspectFaersQuarter,
  FaersQuarterReader,
  type FaersQuarterInfo,
  type FaersJoinStrategy,
  type ReadFaersOptions,
  type FaersReadDiagnostics,
} from './reader.js';
export { mapFaersCase, legacyBaseVersion, caseIdOf, type MapFaersCaseOptions } from './mapper.js';
export { LegacyVersionAssigner } from './legacy-version.js';
export {
  FAERS_SKIP_REASONS,
  FAERS_DROP_REASONS,
  type FaersRecord,
  type FaersReportRecord,
  type FaersSkippedRecord,
  type FaersRecordSource,
  type FaersSkipReason,
  type FaersDropReason,
  type DropCounts,
  type FaersCaseRows,
} from './types.js';
export {
  FAERS_TABLES,
  SIDE_TABLES,
  KEY_COLUMN,
  matchTableFile,
  type FaersFormat,
  type FaersTable,
  type FaersSideTable,
  type FaersRow,
  type TableFileMatch,
} from './tables.js';
export { type TableEntryInfo } from './archive.js';
export { type TableDiagnostics } from './table-cursor.js';
export { type KeyOrder, compareLexicographic, compareNumeric } from './key-order.js';
export { faersProblemOf, FAERS_FILE_ERROR_CODE, type FaersFileProblem } from './errors.js';
export {
  FaersStatsCollector,
  collectFaersStats,
  type FaersStats,
  type FaersReportCounts,
} from './stats.js';
export { FAERS_TEXT_ENCODING } from './lines.js';
