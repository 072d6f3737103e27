/** "?, ?, ?": one bound parameter per value, for an SQL `IN (...)` list. */
export const placeholders = (values: readonly unknown[]): string => values.map(() => "?").join(", ");
