// Validates JSON instances against ocgen's schema with Ajv (JSON Schema
// 2020-12), the validator OpenClaw itself ships. Reads
// {"schema": ..., "instances": [...]} on stdin; prints one line per
// instance: "valid" or "invalid <first error>".
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(process.env.AJV_DIR + "/");
const Ajv2020 = require("ajv/dist/2020").default;
const input = JSON.parse(readFileSync(0, "utf8"));
const ajv = new Ajv2020({ strict: false, allErrors: false });
const validate = ajv.compile(input.schema);
for (const instance of input.instances) {
  if (validate(instance)) {
    console.log("valid");
  } else {
    const e = validate.errors[0];
    console.log(`invalid ${e.instancePath} ${e.message}`);
  }
}
