const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Table names are spliced into SQL, so only plain identifiers are accepted. */
export function tableName(name: string): string {
  if (!IDENTIFIER.test(name)) throw new TypeError(`invalid table name: ${name}`);
  return name;
}
