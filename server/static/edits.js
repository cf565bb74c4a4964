// Edits as text that travels: compressed into a URL fragment (deflate, base64url) and back, and
// a line diff of an edited file against the served one (for the reset dialog).

/** `data` as JSON, deflated, in base64url (a URL fragment's safe alphabet). */
export async function pack(data) {
  const stream = new Blob([JSON.stringify(data)]).stream().pipeThrough(new CompressionStream("deflate-raw"));
  const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 8192) binary += String.fromCharCode(...bytes.subarray(i, i + 8192));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** What `pack` wrote, read back. */
export async function unpack(text) {
  const bytes = Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return JSON.parse(await new Response(stream).text());
}

/** A unified-style line diff (`-` served, `+` edited) of `a` to `b`, headed by file `name`. */
export function lineDiff(a, b, name) {
  const x = a.split("\n"), y = b.split("\n");
  const out = [`--- ${name} (served)`, `+++ ${name} (edited)`];
  let i = 0, j = 0;
  while (i < x.length || j < y.length) {
    if (x[i] === y[j]) { i++; j++; continue; }
    const k = y.indexOf(x[i], j), l = x.indexOf(y[j], i);
    if (k >= 0 && (l < 0 || k - j <= l - i)) { while (j < k) out.push(`+${y[j++]}`); }
    else if (l >= 0) { while (i < l) out.push(`-${x[i++]}`); }
    else { if (i < x.length) out.push(`-${x[i++]}`); if (j < y.length) out.push(`+${y[j++]}`); }
  }
  return out.join("\n");
}

