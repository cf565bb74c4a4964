// Highlighting for the playground's editor from the editor grammar's own token definitions
// (ruleproof.tmLanguage.json, copied from editors/ by playground-build/build.mjs): a small
// reader of the TextMate rules the grammar uses — `match` with `captures`, and single-line
// `begin`/`end` with inner patterns — as a CodeMirror stream language. Each scope maps to a
// highlight tag, so the classes are CodeMirror's `tok-*` (classHighlighter).
import { StreamLanguage, tags } from "./codemirror.js";

const TAGS = [
  ["comment", tags.comment], ["string", tags.string], ["constant.character.escape", tags.escape],
  ["constant.numeric", tags.number], ["constant.language", tags.bool], ["keyword.operator", tags.operator],
  ["storage.type", tags.definitionKeyword], ["keyword", tags.keyword], ["entity.name", tags.definition(tags.variableName)],
  ["support.function", tags.function(tags.variableName)], ["variable", tags.variableName],
  ["punctuation", tags.punctuation], ["meta.duration", tags.unit], ["meta", tags.meta],
];

// StreamLanguage reads dots in a token name as modifiers: the table's keys use `_` instead.
const key = (prefix) => `rp_${prefix.replace(/[.]/g, "_")}`;

function tagName(scope) {
  const found = TAGS.find(([prefix]) => scope && scope.startsWith(prefix));
  return found ? key(found[0]) : null;
}

function compile(grammar) {
  const resolve = (pattern) => pattern.include ? resolveAll(grammar.repository[pattern.include.slice(1)]) : [rule(pattern)];
  const resolveAll = (entry) => entry.patterns && !entry.match && !entry.begin ? entry.patterns.flatMap(resolve) : [rule(entry)];
  const cache = new Map();
  function rule(p) {
    if (cache.has(p)) return cache.get(p);
    const out = { name: p.name, captures: p.captures };
    cache.set(p, out);
    if (p.match) out.match = new RegExp(p.match, "y");
    if (p.begin) {
      out.begin = new RegExp(p.begin, "y");
      out.end = new RegExp(p.end, "y");
      out.beginCaptures = p.beginCaptures;
      out.endCaptures = p.endCaptures;
      out.contentName = p.contentName || p.name;
      out.inner = (p.patterns || []).flatMap(resolve);
    }
    return out;
  }
  return grammar.patterns.flatMap(resolve);
}

// The tokens of one regex match: the captured groups with their scopes, the rest with `scope`.
function pieces(match, captures, scope, start) {
  const out = [];
  let at = start;
  const groups = captures ? Object.keys(captures).map(Number).filter((n) => match[n] !== undefined) : [];
  for (const n of groups.sort((a, b) => a - b)) {
    const offset = match[0].indexOf(match[n], at - start);
    if (offset < 0) continue;
    if (start + offset > at) out.push([start + offset, tagName(scope)]);
    out.push([start + offset + match[n].length, tagName(captures[n].name) || tagName(scope)]);
    at = start + offset + match[n].length;
  }
  if (start + match[0].length > at) out.push([start + match[0].length, tagName(scope)]);
  return out;
}

function tryRules(rules, line, pos) {
  for (const r of rules) {
    const regex = r.match || r.begin;
    regex.lastIndex = pos;
    const m = regex.exec(line);
    if (m && m[0].length) return [r, m];
  }
  return [null, null];
}

/** A CodeMirror language that highlights with the TextMate grammar `grammar` (its JSON). */
export function textMateLanguage(grammar) {
  const top = compile(grammar);
  return StreamLanguage.define({
    name: grammar.name,
    startState: () => ({ queue: [], inside: null }),
    copyState: (s) => ({ queue: s.queue.slice(), inside: s.inside }),
    token(stream, state) {
      if (stream.sol()) { state.queue = []; state.inside = null; }
      if (state.queue.length) {
        const [end, tag] = state.queue.shift();
        stream.pos = end;
        return tag;
      }
      const line = stream.string, pos = stream.pos;
      if (state.inside) {
        const r = state.inside;
        r.end.lastIndex = pos;
        const m = r.end.exec(line);
        if (m) {
          state.inside = null;
          state.queue = pieces(m, r.endCaptures, r.contentName, pos);
          if (!m[0].length) { stream.next(); return tagName(r.contentName); }
          const [end, tag] = state.queue.shift();
          stream.pos = end;
          return tag;
        }
        const [inner, im] = tryRules(r.inner, line, pos);
        if (inner) { stream.pos = pos + im[0].length; return tagName(inner.name) || tagName(r.contentName); }
        stream.next();
        return tagName(r.contentName);
      }
      const [r, m] = tryRules(top, line, pos);
      if (!r) { stream.next(); return null; }
      if (r.begin) {
        state.inside = r;
        state.queue = pieces(m, r.beginCaptures, r.name, pos);
      } else {
        state.queue = pieces(m, r.captures, r.name, pos);
      }
      const [end, tag] = state.queue.shift();
      stream.pos = end;
      return tag;
    },
    tokenTable: Object.fromEntries(TAGS.map(([prefix, tag]) => [key(prefix), tag])),
  });
}
