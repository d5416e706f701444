export {
  type ContingencyTable,
  type Disproportionality,
  type Estimate,
  EVANS_CRITERIA,
  Z_95,
  disproportionality,
  tableFromMargins,
} from './disproportionality.js';
