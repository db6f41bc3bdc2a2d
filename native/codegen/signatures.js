'use strict';
// Finds kernel function signatures in C++ sources: every function declared or
// defined at namespace scope, by fully qualified name. A small scanner, not a
// C++ parser: it knows namespaces, braces, comments, strings and preprocessor
// lines, which is all the kernel sources need.
const fs = require('fs');
const path = require('path');

// Functions in an anonymous namespace have internal linkage: never kernels we can call.
const ANONYMOUS = '<anonymous>';
const KEYWORDS = new Set(['if', 'for', 'while', 'switch', 'return', 'sizeof', 'decltype', 'static_assert', 'defined']);

/** Blanks comments, string/char literals and preprocessor lines (keeping offsets). */
function stripNoise(text) {
  let out = '';
  let i = 0;
  const blank = (s) => s.replace(/[^\n]/g, ' ');
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += blank(text.slice(i, stop));
      i = stop;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += blank(text.slice(i, stop));
      i = stop;
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += c + blank(text.slice(i + 1, j)) + c;
      i = j + 1;
    } else if (c === '#' && /(^|\n)[ \t]*$/.test(text.slice(Math.max(0, i - 200), i))) {
      let j = i;
      while (j < text.length) {
        const end = text.indexOf('\n', j);
        if (end < 0) {
          j = text.length;
          break;
        }
        if (text[end - 1] === '\\') j = end + 1;
        else {
          j = end;
          break;
        }
      }
      out += blank(text.slice(i, j));
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Splits on commas outside <>, (), [] and {}. */
function splitTopLevel(text) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ('<([{'.includes(c)) depth++;
    else if ('>)]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

/** `const Tensor& self = {}` → {type: 'const Tensor&', name: 'self'}. */
function parseParam(text) {
  let t = text.replace(/\[\[[^\]]*\]\]/g, ' ').replace(/\b(__ET_UNUSED|ET_UNUSED|__attribute__\s*\(\([^)]*\)\))/g, ' ');
  const eq = splitTopLevelEquals(t);
  t = eq
    .trim()
    .replace(/\s+/g, ' ')
    .replace(/\s*([&*])\s*/g, '$1 ')
    .trim();
  const m = /^(.*?[\w>&*])\s+([A-Za-z_]\w*)$/.exec(t);
  if (m && !/^(const|unsigned|signed|long|short)$/.test(m[1].trim())) return { type: m[1].trim(), name: m[2] };
  return { type: t, name: undefined };
}

function splitTopLevelEquals(text) {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if ('<([{'.includes(c)) depth++;
    else if ('>)]}'.includes(c)) depth--;
    else if (c === '=' && depth === 0) return text.slice(0, i);
  }
  return text;
}

/** Parses `RET NAME(PARAMS)` (trailing qualifiers allowed), or undefined. */
function parseHeader(statement) {
  const s = statement.replace(/\s+/g, ' ').trim();
  if (/^template\b/.test(s) || /^(using|typedef|namespace|class|struct|enum|friend)\b/.test(s)) return undefined;
  const open = s.indexOf('(');
  if (open < 0) return undefined;
  const head = s.slice(0, open).trim();
  const m = /^(.*?)([A-Za-z_]\w*)$/.exec(head);
  if (!m) return undefined;
  const returnType = m[1]
    .replace(/\b(static|inline|extern|ET_NODISCARD|constexpr)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const name = m[2];
  if (!returnType || KEYWORDS.has(name) || /[=.;{}]|->/.test(returnType) || returnType.endsWith('::')) return undefined;
  let depth = 0;
  let close = -1;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '(') depth++;
    else if (s[i] === ')' && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close < 0 || !/^\s*(const)?\s*(noexcept)?\s*$/.test(s.slice(close + 1))) return undefined;
  const params = splitTopLevel(s.slice(open + 1, close))
    .filter((p) => p !== 'void')
    .map(parseParam);
  return { returnType, name, params };
}

/**
 * Function-like macros whose body defines a function (the portable unary ops
 * are `DEFINE_UNARY_UFUNC_...(acos_out, std::acos)`), by name.
 */
function collectMacros(files) {
  const macros = new Map();
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const re = /^[ \t]*#[ \t]*define[ \t]+(\w+)\(([^)]*)\)((?:.*\\\r?\n)*.*)/gm;
    for (let m; (m = re.exec(text));) {
      const body = m[3].replace(/\\\r?\n/g, '\n');
      if (/\)\s*\{/.test(body)) macros.set(m[1], { params: m[2].split(',').map((p) => p.trim()), body });
    }
  }
  return macros;
}

/** Expands invocations of those macros that start a line. */
function expandMacros(text, macros) {
  if (macros.size === 0) return text;
  const names = [...macros.keys()].join('|');
  const re = new RegExp(`^([ \\t]*)(${names})\\s*\\(`, 'gm');
  let out = '';
  let last = 0;
  for (let m; (m = re.exec(text));) {
    let depth = 0;
    let end = -1;
    for (let i = m.index + m[0].length - 1; i < text.length; i++) {
      if (text[i] === '(') depth++;
      else if (text[i] === ')' && --depth === 0) {
        end = i;
        break;
      }
    }
    if (end < 0) break;
    const macro = macros.get(m[2]);
    const args = splitTopLevel(text.slice(m.index + m[0].length, end));
    let body = macro.body;
    macro.params.forEach((p, k) => {
      body = body.replace(new RegExp(`\\b${p}\\b`, 'g'), args[k] ?? '');
    });
    out += text.slice(last, m.index) + body;
    last = end + 1;
    re.lastIndex = end + 1;
  }
  return out + text.slice(last);
}

/** Every namespace-scope function header in one file, with its qualified name. */
function scanFile(file, macros = new Map()) {
  const text = stripNoise(expandMacros(fs.readFileSync(file, 'utf8'), macros));
  const found = [];
  const scopes = []; // namespace names ('' for extern "C"); null for any other brace
  let stmtStart = 0;
  let parenDepth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') parenDepth++;
    else if (c === ')') parenDepth--;
    if (parenDepth > 0) continue;
    if (c === ';') {
      const header = parseHeader(text.slice(stmtStart, i));
      if (header && !scopes.includes(ANONYMOUS))
        found.push({ ...header, qualified: qualify(scopes, header.name), defined: false, file });
      stmtStart = i + 1;
    } else if (c === '{') {
      const statement = text.slice(stmtStart, i).replace(/\s+/g, ' ').trim();
      const ns = /^(inline )?namespace ([\w:]+)$/.exec(statement);
      if (ns) {
        scopes.push(ns[2]);
        stmtStart = i + 1;
      } else if (/^extern ""$/.test(statement)) {
        scopes.push('');
        stmtStart = i + 1;
      } else if (/^namespace$/.test(statement)) {
        scopes.push(ANONYMOUS);
        stmtStart = i + 1;
      } else {
        const header = parseHeader(statement);
        if (header && !scopes.includes(ANONYMOUS))
          found.push({ ...header, qualified: qualify(scopes, header.name), defined: true, file });
        // Skip the body (function, class, initializer...).
        let depth = 0;
        let j = i;
        for (; j < text.length; j++) {
          if (text[j] === '{') depth++;
          else if (text[j] === '}' && --depth === 0) break;
        }
        i = j;
        stmtStart = j + 1;
      }
    } else if (c === '}') {
      scopes.pop();
      stmtStart = i + 1;
    }
  }
  return found;
}

function qualify(scopes, name) {
  return [...scopes.filter((s) => s), name].join('::');
}

function listSources(dir) {
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'test' && entry.name !== 'tests') files.push(...listSources(full));
    } else if (/\.(cpp|h)$/.test(entry.name)) {
      files.push(full);
    }
  }
  return files.sort();
}

/**
 * Map from qualified function name to the signature to register: among
 * overloads, the one taking `KernelRuntimeContext&` first (what the runtime
 * calls); definitions preferred over declarations.
 */
function findKernelSignatures(dirs) {
  const byName = new Map();
  const files = dirs.flatMap(listSources);
  const macros = collectMacros(files);
  for (const dir of dirs) {
    for (const file of listSources(dir)) {
      for (const sig of scanFile(file, macros)) {
        const list = byName.get(sig.qualified) ?? [];
        list.push(sig);
        byName.set(sig.qualified, list);
      }
    }
  }
  const chosen = new Map();
  for (const [name, list] of byName) {
    const withContext = list.filter((s) => s.params.length > 0 && /RuntimeContext\s*&$/.test(s.params[0].type));
    if (withContext.length === 0) continue;
    chosen.set(name, withContext.find((s) => s.defined) ?? withContext[0]);
  }
  return chosen;
}

module.exports = { findKernelSignatures, scanFile, parseParam, parseHeader, stripNoise };
