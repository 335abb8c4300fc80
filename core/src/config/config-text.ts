/**
 * Limits and checks of a config file's text, before it is parsed: a config is a short
 * hand-written file, so anything far beyond that is refused unparsed (parsing a 40,000-key
 * YAML mapping takes half a minute). Pure string work: runs anywhere.
 */
export const CONFIG_LIMITS = {
  /** Bytes of a config file. */
  bytes: 256 * 1024,
  /** Mapping keys (counted as ':' characters, an upper bound) in a config file. */
  keys: 4096,
  /** Nesting of lists and mappings. */
  depth: 64,
};

/** The first size problem of a config's text, or null. */
export function configTextProblem(text: string): string | null {
  if (text.length > CONFIG_LIMITS.bytes) return `${text.length} characters, more than the ${CONFIG_LIMITS.bytes} a config file may hold`;
  let colons = 0;
  let depth = 0;
  let deepest = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 58) colons++;
    else if (c === 91 || c === 123) deepest = Math.max(deepest, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  if (colons > CONFIG_LIMITS.keys) return `about ${colons} fields, more than the ${CONFIG_LIMITS.keys} a config file may hold`;
  // Brackets inside strings count too: an upper bound, far above any real config's nesting.
  if (deepest > CONFIG_LIMITS.depth) return `lists or mappings nested ${deepest} deep, more than the ${CONFIG_LIMITS.depth} a config file may hold`;
  return null;
}

/**
 * Scans JSON text (already known to parse) for what JSON.parse lets pass: a key given twice in
 * one object (JSON.parse silently keeps the last) and nesting deeper than the limit. Returns
 * the first problem with its line, or null. Linear in the text.
 */
export function jsonTextProblem(text: string): string | null {
  const stack: (Set<string> | null)[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    else if (c === '{' || c === '[') {
      stack.push(c === '{' ? new Set() : null);
      if (stack.length > CONFIG_LIMITS.depth) return `line ${line}: nested deeper than ${CONFIG_LIMITS.depth} levels`;
    } else if (c === '}' || c === ']') stack.pop();
    else if (c === '"') {
      let j = i + 1;
      let s = '';
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\') {
          s += text.slice(j, j + 2);
          j++;
        } else s += text[j];
      }
      i = j;
      const keys = stack[stack.length - 1];
      if (!keys) continue;
      // A string is a key when the next non-space character is ':'.
      let k = j + 1;
      while (k < text.length && /\s/.test(text[k]!)) k++;
      if (text[k] !== ':') continue;
      const key = JSON.parse(`"${s}"`) as string;
      if (keys.has(key)) return `line ${line}: the key '${key}' appears twice in one object (JSON keeps only the last; remove one)`;
      keys.add(key);
    }
  }
  return null;
}
