// Runs pollwatch/formspec/vectors.json through formlogic-0.1.js and prints one
// result per vector as JSON, with Python's types kept apart:
// {"error": message} | {"unknown": true} | {"value": encoded}, where an int is
// {"int": "digits"}, a float {"float": number or "inf"/"-inf"/"nan"}, a tuple a list.
// Usage: node run_vectors.js [vectors.json]  (test_vectors.py compares with Python).
"use strict";
const fs = require("fs");
const path = require("path");
const logic = require(path.join(__dirname, "../../static/pollwatch/formlogic-0.1.js"));

function encode(value) {
  if (typeof value === "bigint") return { int: value.toString() };
  if (typeof value === "number") {
    if (Number.isNaN(value)) return { float: "nan" };
    if (!Number.isFinite(value)) return { float: value > 0 ? "inf" : "-inf" };
    return { float: value };
  }
  if (Array.isArray(value)) return value.map(encode);
  return value; // boolean or string
}

const file = process.argv[2] || path.join(__dirname, "..", "vectors.json");
const vectors = JSON.parse(fs.readFileSync(file, "utf8"));
const results = vectors.map((vector) => {
  let expression;
  try {
    expression = logic.compile(vector.expr);
  } catch (error) {
    if (!(error instanceof logic.ExpressionError)) return { crash: String(error && error.stack) };
    return { error: error.message };
  }
  const value = expression.evaluateExact(vector.answers || {});
  return value === logic.UNKNOWN ? { unknown: true } : { value: encode(value) };
});
process.stdout.write(JSON.stringify(results));
