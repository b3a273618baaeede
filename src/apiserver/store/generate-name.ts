// The random suffix a server appends to metadata.generateName.
import { randomBytes } from 'node:crypto';

/** The suffix appended to metadata.generateName. */
export function randomSuffix(): string {
  // Upstream uses 5 characters from a consonant/digit alphabet that avoids bad words.
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const bytes = randomBytes(5);
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}
