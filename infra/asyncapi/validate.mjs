// Validate an AsyncAPI document with the AsyncAPI initiative's parser (the one its CLI's
// `asyncapi validate` runs): the document against the AsyncAPI 3 schema, every $ref resolved,
// every message payload against its schemaFormat, and the parser's rule set.
// Usage: node infra/asyncapi/validate.mjs schemas/asyncapi.yaml
// Prints one line per finding; exits 1 on any error or warning (hints and infos are printed).
import { Parser, fromFile } from '@asyncapi/parser';

const SEVERITY = ['error', 'warning', 'info', 'hint'];
const path = process.argv[2];
if (!path) {
  console.error('usage: node validate.mjs <asyncapi.yaml>');
  process.exit(2);
}
const { document, diagnostics } = await fromFile(new Parser(), path).parse();
let failed = !document;
for (const d of diagnostics) {
  const severity = SEVERITY[d.severity] ?? String(d.severity);
  failed ||= d.severity <= 1;
  console.log(`${severity} ${d.code} ${d.path.join('.') || '(document)'}: ${d.message}`);
}
if (document) {
  const messages = document.allMessages();
  const unchecked = messages.filter((m) => !m.hasPayload()).map((m) => m.id());
  if (unchecked.length) {
    console.log(`error: messages without a payload schema: ${unchecked.join(', ')}`);
    failed = true;
  }
  console.log(`${path}: ${messages.length} messages, ${document.allOperations().length} operations`);
}
console.log(failed ? 'invalid' : 'valid');
process.exit(failed ? 1 : 0);
