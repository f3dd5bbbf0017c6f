/**
 * Injection templates (`inject.header` / `inject.query`): literal text with `${secret:NAME}`
 * references, compiled once at start into parts, resolved per request so a rotated secret
 * applies without a restart. `${ENV}` references were already replaced by the config loader.
 */

export type TemplatePart = { literal: string } | { secret: string };

export interface CompiledTemplate {
  name: string;
  parts: TemplatePart[];
}

const SECRET_REF = /\$\{secret:([A-Za-z0-9_.-]{1,128})\}/g;

/** Splits a template into literal and secret parts. */
export function compileTemplate(name: string, template: string): CompiledTemplate {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(SECRET_REF)) {
    if (match.index > last) parts.push({ literal: template.slice(last, match.index) });
    parts.push({ secret: match[1] as string });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ literal: template.slice(last) });
  return { name, parts };
}

/** The secret names a set of templates needs. */
export function secretNames(templates: readonly CompiledTemplate[]): string[] {
  return [...new Set(templates.flatMap((t) => t.parts.flatMap((p) => ('secret' in p ? [p.secret] : []))))];
}

/** Looks up a secret's current plaintext; undefined when it is not in the store. */
export type SecretLookup = (name: string) => Promise<string | undefined>;

/** Renders a template; throws MissingSecretError naming the secret when one is absent. */
export async function renderTemplate(template: CompiledTemplate, lookup: SecretLookup): Promise<string> {
  let out = '';
  for (const part of template.parts) {
    if ('literal' in part) {
      out += part.literal;
      continue;
    }
    const value = await lookup(part.secret);
    if (value === undefined) throw new MissingSecretError(part.secret);
    out += value;
  }
  return out;
}

/** A template named a secret the store does not hold. */
export class MissingSecretError extends Error {
  readonly secretName: string;
  constructor(secretName: string) {
    super(`secret ${secretName} is not in the secret store`);
    this.name = 'MissingSecretError';
    this.secretName = secretName;
  }
}
