// Shared pieces of the Endpoints and EndpointSlice printers: upstream lists at most three
// entries, then "+ N more...".
const MAX_LISTED = 3;

export function listWithMore(items: readonly string[], empty: string): string {
  if (items.length === 0) return empty;
  const shown = items.slice(0, MAX_LISTED).join(',');
  return items.length > MAX_LISTED ? `${shown} + ${items.length - MAX_LISTED} more...` : shown;
}
