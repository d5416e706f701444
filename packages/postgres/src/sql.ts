/** Quotes an SQL identifier. Every identifier built from data goes through here. */
export function ident(name: string): string {
  if (name.length === 0 || name.length > 63 || name.includes('\u0000')) {
    throw new Error('Invalid SQL identifier');
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes an SQL string literal (for DDL, where parameters are not allowed). */
export function literal(value: string): string {
  if (value.includes('\u0000')) throw new Error('Invalid SQL literal');
  return `'${value.replace(/'/g, "''")}'`;
}

/** Qualified name `"schema"."table"`. */
export function qualified(schema: string, table: string): string {
  return `${ident(schema)}.${ident(table)}`;
}
