// Validates an OpenAPI document the strict way @apidevtools/swagger-parser
// does (the JSON Schema of OpenAPI 3.0 plus its own checks), as a second
// opinion next to kin-openapi in app/openapi_test.go, which runs this.
// Usage: node openapi-validate.mjs FILE   (exit 0 valid, 1 with the reason)
import SwaggerParser from '@apidevtools/swagger-parser';

const file = process.argv[2];
try {
  await SwaggerParser.validate(file);
  console.log(`${file}: valid`);
} catch (err) {
  console.error(err.message);
  process.exit(1);
}
