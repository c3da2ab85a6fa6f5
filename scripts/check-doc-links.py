#!/usr/bin/env python3
"""Checks the relative links of the repository's Markdown files: the file exists, and an anchor
(#section) names a heading of that file under GitHub's rules (lowercase; punctuation but '-' and '_'
dropped; spaces become '-'; a repeated heading gets -1, -2, ...). Headings and links inside fenced code
blocks do not count. External links (http, https, mailto) are not fetched.

Usage: scripts/check-doc-links.py [FILE.md ...]   (default: every *.md git tracks, plus untracked ones
under docs/). Prints one line per broken link and exits 1 if there is any, else prints a count, exits 0.
"""
import os
import re
import subprocess
import sys

# the "](target)" half only, so a link whose text wraps over lines is still found; images too
LINK = re.compile(r'\]\(([^)\s]+)(?:\s+"[^"]*")?\)')
HEADING = re.compile(r'^(#{1,6})\s+(.*?)\s*#*\s*$')
FENCE = re.compile(r'^\s*(```|~~~)')


def prose_lines(path):
    """(line number, text) of every line outside fenced code blocks."""
    fenced = False
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            if FENCE.match(line):
                fenced = not fenced
                continue
            if not fenced:
                yield n, line.rstrip('\n')


def slug(text):
    text = re.sub(r'\[([^\]]*)\]\([^)]*\)', r'\1', text)   # a link in a heading keeps its text
    text = text.strip().lower()
    text = re.sub(r'[^\w\- ]', '', text)                    # drops ` " ' : ( ) , . / etc.
    return text.replace(' ', '-')


def anchors(path, cache={}):
    if path not in cache:
        seen, out = {}, set()
        for _, line in prose_lines(path):
            m = HEADING.match(line)
            if not m:
                continue
            s = slug(m.group(2))
            n = seen.get(s, 0)
            seen[s] = n + 1
            out.add(s if n == 0 else f'{s}-{n}')
        cache[path] = out
    return cache[path]


def files(argv):
    if argv:
        return argv
    tracked = subprocess.run(['git', 'ls-files', '*.md'], capture_output=True, text=True, check=True).stdout.split()
    docs = [os.path.join('docs', f) for f in os.listdir('docs') if f.endswith('.md')] if os.path.isdir('docs') else []
    return sorted(set(tracked) | set(docs))


def main(argv):
    broken, checked = [], 0
    for md in files(argv):
        for n, line in prose_lines(md):
            line = re.sub(r'`[^`]*`', '', line)   # inline code is not a link
            for m in LINK.finditer(line):
                target = m.group(1)
                if re.match(r'^[a-z][a-z0-9+.-]*:', target, re.I):
                    continue
                checked += 1
                file_part, _, anchor = target.partition('#')
                dest = os.path.normpath(os.path.join(os.path.dirname(md), file_part)) if file_part else md
                if not os.path.exists(dest):
                    broken.append(f'{md}:{n}: {target}: no file {dest}')
                elif anchor and dest.endswith('.md') and anchor not in anchors(dest):
                    broken.append(f'{md}:{n}: {target}: no heading #{anchor} in {dest}')
    for b in broken:
        print(b)
    print(f'{checked} relative links checked, {len(broken)} broken')
    return 1 if broken else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
