/**
 * A small reader for Bicep and .bicepparam files, built on the tree-sitter-bicep grammar
 * (its .wasm, loaded with web-tree-sitter), so the infrastructure can be checked on a machine
 * without the Bicep CLI: syntax, module paths, parameters, app settings, outputs.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Language, Parser, type Node } from 'web-tree-sitter';

const require = createRequire(import.meta.url);

let parser: Promise<Parser> | undefined;

/** One parser for the process (the grammar is ~1 MB of wasm). */
export function bicepParser(): Promise<Parser> {
  parser ??= (async () => {
    await Parser.init();
    const grammar = path.join(
      path.dirname(require.resolve('tree-sitter-bicep/package.json')),
      'tree-sitter-bicep.wasm',
    );
    const language = await Language.load(grammar);
    const p = new Parser();
    p.setLanguage(language);
    return p;
  })();
  return parser;
}

export interface SyntaxProblem {
  line: number;
  column: number;
  kind: 'ERROR' | 'MISSING';
  text: string;
}

export interface BicepFile {
  file: string;
  kind: 'bicep' | 'bicepparam';
  /** The file's text as written (a .bicepparam file before its rewrite). */
  source: string;
  root: Node;
  /** Syntax errors: ERROR nodes and MISSING (inserted) nodes. */
  problems: SyntaxProblem[];
}

/**
 * tree-sitter-bicep 1.1.0 has `using`, but its `param` always wants a type, so a .bicepparam
 * assignment (`param name = value`) does not parse as one. Every other statement of a
 * .bicepparam file is Bicep syntax, and a parameter assignment is exactly a variable
 * declaration with another keyword: `param` is rewritten to `var  ` (same length, so lines
 * and columns stay true) and the assignments come back as variable_declaration nodes.
 */
export function bicepparamAsBicep(source: string): string {
  return source.replace(/^([ \t]*)param(?=[ \t])/gm, '$1var  ');
}

export async function parseBicep(file: string, source = readFileSync(file, 'utf8')): Promise<BicepFile> {
  const kind = file.endsWith('.bicepparam') ? 'bicepparam' : 'bicep';
  const tree = (await bicepParser()).parse(kind === 'bicepparam' ? bicepparamAsBicep(source) : source);
  if (!tree) throw new Error(`tree-sitter could not parse ${file}`);
  const problems: SyntaxProblem[] = [];
  walk(tree.rootNode, (node) => {
    if (node.type === 'ERROR' || node.isMissing) {
      problems.push({
        line: node.startPosition.row + 1,
        column: node.startPosition.column + 1,
        kind: node.isMissing ? 'MISSING' : 'ERROR',
        text: node.isMissing ? node.type : node.text.slice(0, 80),
      });
    }
  });
  return { file, kind, source, root: tree.rootNode, problems };
}

export function describeProblems(f: BicepFile): string {
  return f.problems.map((p) => `${f.file}:${p.line}:${p.column} ${p.kind} ${JSON.stringify(p.text)}`).join('\n');
}

export function walk(node: Node, visit: (node: Node) => void): void {
  visit(node);
  for (const child of node.children) if (child) walk(child, visit);
}

function named(node: Node): Node[] {
  return node.namedChildren.filter((c): c is Node => c !== null);
}

/** Top-level declarations, with the decorators written just before each. */
function declarations(f: BicepFile): { node: Node; decorators: string[] }[] {
  const result: { node: Node; decorators: string[] }[] = [];
  let pending: string[] = [];
  for (const statement of named(f.root)) {
    if (statement.type === 'decorators') {
      pending.push(...named(statement).map((d) => d.text));
      continue;
    }
    const node = statement.type === 'declaration' ? (named(statement)[0] ?? statement) : statement;
    result.push({ node, decorators: pending });
    pending = [];
  }
  return result;
}

/** The text of a string literal without its quotes (only for strings without interpolation). */
export function stringValue(node: Node | undefined): string | undefined {
  if (!node || node.type !== 'string') return undefined;
  if (named(node).some((c) => c.type === 'interpolation')) return undefined;
  return node.text.replace(/^'|'$/g, '').replace(/\\'/g, "'");
}

export interface Parameter {
  name: string;
  type: string;
  hasDefault: boolean;
  nullable: boolean;
  decorators: string[];
}

export function parameters(f: BicepFile): Parameter[] {
  return declarations(f)
    .filter(({ node }) => node.type === 'parameter_declaration')
    .map(({ node, decorators }) => {
      const [id, type, value] = named(node);
      const typeText = type?.text ?? '';
      return {
        name: id?.text ?? '',
        type: typeText,
        hasDefault: value !== undefined,
        nullable: typeText.endsWith('?'),
        decorators,
      };
    });
}

/** Parameters a deployment must set: no default and not nullable. */
export function requiredParameters(f: BicepFile): string[] {
  return parameters(f)
    .filter((p) => !p.hasDefault && !p.nullable)
    .map((p) => p.name);
}

/** The parameters a .bicepparam file assigns. */
export function assignedParameters(f: BicepFile): string[] {
  if (f.kind !== 'bicepparam') throw new Error(`${f.file} is not a .bicepparam file`);
  // Only the statements that were `param` in the file: a .bicepparam may also declare vars.
  const lines = f.source.split('\n');
  return declarations(f)
    .filter(({ node }) => node.type === 'variable_declaration')
    .filter(({ node }) => /^\s*param\s/.test(lines[node.startPosition.row] ?? ''))
    .map(({ node }) => named(node)[0]?.text ?? '');
}

/** The file a .bicepparam file is for (`using '...'`). */
export function usingPath(f: BicepFile): string | undefined {
  const using = named(f.root).find((n) => n.type === 'using_statement');
  return stringValue(using ? named(using)[0] : undefined);
}

export interface ModuleReference {
  symbol: string;
  path: string;
  line: number;
}

export function modules(f: BicepFile): ModuleReference[] {
  return declarations(f)
    .filter(({ node }) => node.type === 'module_declaration')
    .map(({ node }) => {
      const [id, pathNode] = named(node);
      return {
        symbol: id?.text ?? '',
        path: stringValue(pathNode) ?? pathNode?.text ?? '',
        line: node.startPosition.row + 1,
      };
    });
}

/** Paths given to loadJsonContent / loadTextContent / loadFileAsBase64 / loadYamlContent. */
export function loadedFiles(f: BicepFile): { path: string; line: number }[] {
  const result: { path: string; line: number }[] = [];
  walk(f.root, (node) => {
    if (node.type !== 'call_expression') return;
    const fn = node.childForFieldName('function')?.text ?? '';
    if (!/^load(JsonContent|TextContent|FileAsBase64|YamlContent|DirectoryFileInfo)$/.test(fn)) return;
    const args = node.childForFieldName('arguments');
    const first = args ? named(args)[0] : undefined;
    const p = stringValue(first);
    if (p !== undefined) result.push({ path: p, line: node.startPosition.row + 1 });
  });
  return result;
}

export interface Output {
  name: string;
  type: string;
  value: string;
  decorators: string[];
}

export function outputs(f: BicepFile): Output[] {
  return declarations(f)
    .filter(({ node }) => node.type === 'output_declaration')
    .map(({ node, decorators }) => {
      const [id, type, value] = named(node);
      return { name: id?.text ?? '', type: type?.text ?? '', value: value?.text ?? '', decorators };
    });
}

/** The value node of `key: value` in an object node. */
export function property(object: Node, key: string): Node | undefined {
  for (const p of named(object)) {
    if (p.type !== 'object_property') continue;
    const [k, v] = named(p);
    if (k && (k.text === key || stringValue(k) === key)) return v;
  }
  return undefined;
}

/** `key: value` pairs of an object node, keys unquoted, values as source text. */
export function objectEntries(object: Node): [string, string][] {
  return named(object)
    .filter((p) => p.type === 'object_property')
    .map((p) => {
      const [k, v] = named(p);
      return [k ? (stringValue(k) ?? k.text) : '', v?.text ?? ''];
    });
}

export interface ResourceDeclaration {
  symbol: string;
  /** Type with API version as written; for a nested child just its relative type, e.g. 'config'. */
  type: string;
  body: Node;
  line: number;
}

/** Every resource declaration, nested children included. */
export function resources(f: BicepFile): ResourceDeclaration[] {
  const result: ResourceDeclaration[] = [];
  walk(f.root, (node) => {
    if (node.type !== 'resource_declaration') return;
    const parts = named(node);
    const body = parts.find((c) => c.type === 'object' || c.type === 'if_statement' || c.type === 'for_statement');
    const object = body?.type === 'object' ? body : body ? named(body).find((c) => c.type === 'object') : undefined;
    if (!object) return;
    result.push({
      symbol: parts[0]?.text ?? '',
      type: stringValue(parts[1]) ?? '',
      body: object,
      line: node.startPosition.row + 1,
    });
  });
  return result;
}

/**
 * The app settings a Function App module sets: the `properties` object of its
 * `Microsoft.Web/sites/config` resource named 'appsettings' (nested `config` child or
 * top-level), as name → value source text.
 */
export function appSettings(f: BicepFile): Map<string, string> {
  const settings = new Map<string, string>();
  for (const r of resources(f)) {
    const isConfig =
      r.type === 'config' || r.type.startsWith('config@') || r.type.startsWith('Microsoft.Web/sites/config@');
    if (!isConfig || stringValue(property(r.body, 'name')) !== 'appsettings') continue;
    const props = property(r.body, 'properties');
    if (!props || props.type !== 'object') {
      throw new Error(`${f.file}:${r.line}: appsettings properties must be an object literal so they can be checked`);
    }
    for (const [k, v] of objectEntries(props)) settings.set(k, v);
  }
  return settings;
}
