/**
 * The infrastructure checks, as functions that return the problems they find, so each can be
 * run over infra/ (expect none) and over a deliberately bad fixture (expect some).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  appSettings,
  assignedParameters,
  loadedFiles,
  modules,
  outputs,
  parameters,
  requiredParameters,
  resources,
  stringValue,
  usingPath,
  walk,
  type BicepFile,
} from './bicep.js';

/** Every .bicep and .bicepparam file under a folder, sorted. */
export function bicepFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...bicepFiles(full));
    else if (/\.bicep(param)?$/.test(entry.name)) found.push(full);
  }
  return found.sort();
}

/** Module paths, loaded files and `using` targets that do not exist (registry modules skipped). */
export function missingReferences(f: BicepFile): string[] {
  const dir = path.dirname(f.file);
  const problems: string[] = [];
  for (const m of modules(f)) {
    if (/^(br[:/]|ts[:/])/.test(m.path)) continue;
    if (!existsSync(path.resolve(dir, m.path)))
      problems.push(`${f.file}:${m.line}: module ${m.symbol} → ${m.path} does not exist`);
  }
  for (const l of loadedFiles(f)) {
    if (!existsSync(path.resolve(dir, l.path)))
      problems.push(`${f.file}:${l.line}: loaded file ${l.path} does not exist`);
  }
  const using = usingPath(f);
  if (using !== undefined && using !== 'none' && !existsSync(path.resolve(dir, using))) {
    problems.push(`${f.file}: using ${using} does not exist`);
  }
  return problems;
}

/** Required parameters of `main` that a parameter set leaves unset, and names `main` does not declare. */
export function parameterProblems(main: BicepFile, where: string, assigned: string[]): string[] {
  const declared = new Set(parameters(main).map((p) => p.name));
  const set = new Set(assigned);
  return [
    ...requiredParameters(main)
      .filter((p) => !set.has(p))
      .map((p) => `${where}: required parameter ${p} of ${path.basename(main.file)} is not set`),
    ...assigned
      .filter((p) => !declared.has(p))
      .map((p) => `${where}: sets ${p}, which ${path.basename(main.file)} does not declare`),
  ];
}

export function bicepparamProblems(main: BicepFile, paramFile: BicepFile): string[] {
  return parameterProblems(main, paramFile.file, assignedParameters(paramFile));
}

export function parametersJsonProblems(main: BicepFile, jsonFile: string): string[] {
  const json = JSON.parse(readFileSync(jsonFile, 'utf8')) as { parameters?: Record<string, unknown> };
  return parameterProblems(main, jsonFile, Object.keys(json.parameters ?? {}));
}

// Values that are, or are made from, keys, SAS tokens or connection strings.
const secretValue =
  /\blist[A-Z]\w*\(|AccountKey=|AccessKey=|SharedAccessSignature|SharedAccessKey|\.keys\b|primaryKey|secondaryKey|InstrumentationKey|connectionString|primaryConnectionString/i;
// Names that say they hold one.
const secretName = /key|secret|password|connection_?string|(^|_)sas(_|$)|token/i;

/**
 * Application Insights' connection string is the one documented exception: it carries only
 * the ingestion key, which Microsoft documents as not a secret, and only counts as one when
 * the component accepts it without Entra ID (local auth on). It is allowed as the
 * APPLICATIONINSIGHTS_CONNECTION_STRING setting, read straight from an
 * Microsoft.Insights/components resource; monitoring.bicep must set DisableLocalAuth: true
 * (checked separately).
 */
function isAllowedAppInsightsSetting(f: BicepFile, name: string, value: string): boolean {
  if (name !== 'APPLICATIONINSIGHTS_CONNECTION_STRING') return false;
  const match = /^(\w+)\.properties\.ConnectionString$/.exec(value);
  if (!match) return false;
  return resources(f).some((r) => r.symbol === match[1] && r.type.startsWith('Microsoft.Insights/components@'));
}

/** Keys, connection strings and secrets handed out through list*() calls, outputs or app settings. */
export function secretProblems(f: BicepFile): string[] {
  const problems: string[] = [];
  const settings = appSettings(f);
  for (const [name, value] of settings) {
    if (isAllowedAppInsightsSetting(f, name, value)) continue;
    if (secretName.test(name)) problems.push(`${f.file}: app setting ${name} is named like a secret`);
    if (secretValue.test(value))
      problems.push(`${f.file}: app setting ${name} = ${value} carries a key or connection string`);
  }
  walk(f.root, (node) => {
    if (node.type === 'call_expression') {
      const fn = node.childForFieldName('function')?.text ?? '';
      const last = fn.split('.').pop() ?? '';
      if (/^list[A-Z]\w*$/.test(last))
        problems.push(`${f.file}:${node.startPosition.row + 1}: ${fn}() returns keys or secrets`);
    }
    if (node.type === 'string') {
      const text = stringValue(node) ?? node.text;
      if (/AccountKey=|AccessKey=|SharedAccessSignature=|SharedAccessKey=|[?&]sig=/i.test(text)) {
        problems.push(`${f.file}:${node.startPosition.row + 1}: string ${text.slice(0, 60)} holds a key`);
      }
      if (/\/ListKeys\/action|\/RegenerateKey\/action/i.test(text)) {
        problems.push(`${f.file}:${node.startPosition.row + 1}: ${text} grants access to keys`);
      }
    }
  });
  for (const o of outputs(f)) {
    if (o.decorators.some((d) => /^@(sys\.)?secure\(/.test(d)))
      problems.push(`${f.file}: output ${o.name} is @secure()`);
    if (secretName.test(o.name)) problems.push(`${f.file}: output ${o.name} is named like a secret`);
    if (secretValue.test(o.value))
      problems.push(`${f.file}: output ${o.name} = ${o.value} carries a key or connection string`);
  }
  return problems;
}

/** The documented exception above holds only while Application Insights refuses local (key) auth. */
export function appInsightsLocalAuthDisabled(f: BicepFile): boolean {
  const components = resources(f).filter((r) => r.type.startsWith('Microsoft.Insights/components@'));
  return components.length > 0 && components.every((r) => /DisableLocalAuth:\s*true/.test(r.body.text));
}
