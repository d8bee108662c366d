/** Appwrite's initials palette, in its order: the colour is picked from the initials' character codes. */
const THEMES = ["#FD366E", "#FE9567", "#7C67FE", "#68A3FE", "#85DBD8"];
const ALNUM = /^[A-Za-z0-9]$/;

/**
 * Appwrite's initials for a name: uppercased (ASCII only, as PHP's strtoupper), split on spaces — or on `_`
 * when there is no space —, the first character of each word that starts with an ASCII letter or digit,
 * stopping after the second word (so a non-alphanumeric second word lets a third and later ones in, as in
 * Appwrite). The colour index is the last decimal digit of the summed character codes, modulo the palette.
 */
export function initialsOf(name: string): { initials: string; color: string } {
  const upper = name.replace(/[a-z]/g, (ch) => ch.toUpperCase());
  let words = upper.split(" ");
  if (words.length === 1) words = upper.split("_");
  let initials = "";
  let code = 0;
  for (const [i, w] of words.entries()) {
    const first = w[0] ?? "";
    if (!ALNUM.test(first)) continue;
    initials += first;
    code += first.charCodeAt(0);
    if (i === 1) break;
  }
  let rand = code % 10;
  if (rand > THEMES.length - 1) rand %= THEMES.length;
  return { initials, color: THEMES[rand]! };
}
