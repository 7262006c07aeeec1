/**
 * NATS subject matching for `@EventPattern` patterns of the JetStream transport: tokens separated by `.`,
 * `*` matches exactly one token, `>` (last token only) matches one or more tokens. The same rules as a
 * NATS subscription, so a pattern means what it means to `nats sub`.
 */

/** Why `pattern` is not a valid subject pattern, or `undefined` when it is. */
export function subjectPatternProblem(pattern: string): string | undefined {
  if (pattern === '') return 'is empty';
  if (/\s/.test(pattern)) return 'contains white space';
  const tokens = pattern.split('.');
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token === '') return 'has an empty token';
    if (token === '>' && i !== tokens.length - 1) return "has '>' before its last token";
    if (token !== '*' && token !== '>' && /[*>]/.test(token)) return `has a wildcard inside the token "${token}"`;
  }
  return undefined;
}

/** A compiled subject pattern. */
export class SubjectPattern {
  private readonly tokens: readonly string[];
  private readonly tail: boolean;

  constructor(readonly pattern: string) {
    const tokens = pattern.split('.');
    this.tail = tokens[tokens.length - 1] === '>';
    this.tokens = this.tail ? tokens.slice(0, -1) : tokens;
  }

  matches(subject: string): boolean {
    const parts = subject.split('.');
    if (this.tail ? parts.length <= this.tokens.length : parts.length !== this.tokens.length) return false;
    for (let i = 0; i < this.tokens.length; i++) {
      const token = this.tokens[i]!;
      if (token !== '*' && token !== parts[i]) return false;
    }
    return true;
  }
}
