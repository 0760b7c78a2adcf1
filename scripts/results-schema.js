#!/usr/bin/env node
// Generates schema/results.schema.json from the result document's types (src/model/types.ts, ResultDocument):
// a field added to a type is in the schema at the next `npm run schema`, with its JSDoc as its description and
// its tags (@minimum, @pattern, @asType integer, ...) as constraints. `--check` only compares, for CI.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_FILE = join(root, 'schema', 'results.schema.json');

/** The schema as the types say it today, as the text the file holds. */
export function resultsSchemaText() {
  const generated = createGenerator({
    path: join(root, 'src', 'model', 'types.ts'),
    tsconfig: join(root, 'tsconfig.build.json'),
    type: 'ResultDocument',
    expose: 'export',
    topRef: false,
    jsDoc: 'extended',
    // Every object is closed: an unknown property is an error for the tests (readers may tolerate it).
    additionalProperties: false,
    // Unions tagged @discriminator become if/then per tag value, whose errors name the branch that applies.
    discriminatorType: 'json-schema',
    // tsc checks the types; the generator only reads them.
    skipTypeCheck: true,
  }).createSchema('ResultDocument');
  const { $schema, definitions, ...document } = generated;
  const schema = {
    $schema,
    $id: 'urn:cgbench:schema:results:1',
    title: 'cgbench result document',
    ...document,
    definitions,
  };
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = resultsSchemaText();
  if (process.argv.includes('--check')) {
    if (readFileSync(SCHEMA_FILE, 'utf8') !== text) {
      process.stderr.write(`${SCHEMA_FILE} is not what the types generate: run npm run schema and commit it\n`);
      process.exitCode = 1;
    }
  } else {
    writeFileSync(SCHEMA_FILE, text);
    process.stdout.write(`wrote ${SCHEMA_FILE}\n`);
  }
}
