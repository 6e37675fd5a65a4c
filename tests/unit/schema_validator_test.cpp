#include "mcp/protocol/schema_validator.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

using mcp::protocol::validate_json_schema;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

json parse(const char* text) {
  return json::parse(text);
}

bool valid(const json& schema, const json& instance) {
  return validate_json_schema(schema, instance).empty();
}

// The first problem reported, or "" when the instance is valid.
std::string first_error(const json& schema, const json& instance) {
  const auto errors = validate_json_schema(schema, instance);
  return errors.empty() ? "" : errors.front();
}

constexpr const char* kFixtureSchema = R"({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "$defs": {"address": {"$anchor": "addressDef", "type": "object",
                        "properties": {"street": {"type": "string"}, "city": {"type": "string"}}}},
  "properties": {
    "name": {"type": "string"},
    "address": {"$ref": "#/$defs/address"},
    "contactMethod": {"type": "string", "enum": ["phone", "email"]},
    "phone": {"type": "string"},
    "email": {"type": "string"}
  },
  "additionalProperties": false,
  "allOf": [{"anyOf": [{"required": ["phone"]}, {"required": ["email"]}]}],
  "if": {"properties": {"contactMethod": {"const": "phone"}}, "required": ["contactMethod"]},
  "then": {"required": ["phone"]},
  "else": {"required": ["email"]}
})";

TEST(SchemaValidator, BooleanSchemas) {
  EXPECT_TRUE(valid(true, parse(R"({"anything": [1, null]})")));
  EXPECT_EQ(first_error(false, 1), "/: no value is allowed here");
  const json schema = parse(R"({"properties": {"x": false, "y": true}})");
  EXPECT_TRUE(valid(schema, parse(R"({"y": 1})")));
  EXPECT_EQ(first_error(schema, parse(R"({"x": 1})")), "/x: no value is allowed here");
}

TEST(SchemaValidator, TypeSingleName) {
  const json schema = parse(R"({"type": "string"})");
  EXPECT_TRUE(valid(schema, "a"));
  EXPECT_EQ(first_error(schema, 5), "/: expected string, got number");
  EXPECT_FALSE(valid(parse(R"({"type": "object"})"), json::array()));
  EXPECT_FALSE(valid(parse(R"({"type": "array"})"), json::object()));
  EXPECT_TRUE(valid(parse(R"({"type": "boolean"})"), false));
  EXPECT_FALSE(valid(parse(R"({"type": "boolean"})"), 0));
  EXPECT_TRUE(valid(parse(R"({"type": "null"})"), nullptr));
  EXPECT_FALSE(valid(parse(R"({"type": "null"})"), ""));
}

TEST(SchemaValidator, TypeIntegerAcceptsIntegralNumbers) {
  const json schema = parse(R"({"type": "integer"})");
  EXPECT_TRUE(valid(schema, parse("3")));
  EXPECT_TRUE(valid(schema, parse("3.0")));
  EXPECT_TRUE(valid(schema, parse("-2")));
  EXPECT_EQ(first_error(schema, parse("3.5")), "/: expected integer, got number");
  EXPECT_FALSE(valid(schema, "3"));
}

TEST(SchemaValidator, TypeNumberAcceptsAnyNumber) {
  const json schema = parse(R"({"type": "number"})");
  EXPECT_TRUE(valid(schema, parse("1")));
  EXPECT_TRUE(valid(schema, parse("-1.5e3")));
  EXPECT_FALSE(valid(schema, "1"));
}

TEST(SchemaValidator, TypeArrayOfNames) {
  const json schema = parse(R"({"type": ["string", "null"]})");
  EXPECT_TRUE(valid(schema, "a"));
  EXPECT_TRUE(valid(schema, nullptr));
  EXPECT_EQ(first_error(schema, true), "/: expected string or null, got boolean");
}

TEST(SchemaValidator, Enum) {
  const json schema = parse(R"({"enum": ["phone", "email", 1, {"a": [1]}]})");
  EXPECT_TRUE(valid(schema, "email"));
  EXPECT_TRUE(valid(schema, parse("1.0")));  // numerically equal
  EXPECT_TRUE(valid(schema, parse(R"({"a": [1]})")));
  EXPECT_THAT(first_error(schema, "fax"), HasSubstr("/: must be one of [\"phone\",\"email\""));
  EXPECT_FALSE(valid(schema, parse(R"({"a": [2]})")));
}

TEST(SchemaValidator, Const) {
  const json schema = parse(R"({"const": {"k": [1, "x"]}})");
  EXPECT_TRUE(valid(schema, parse(R"({"k": [1, "x"]})")));
  EXPECT_EQ(first_error(schema, parse(R"({"k": [1]})")), R"(/: must equal {"k":[1,"x"]})");
  EXPECT_FALSE(valid(parse(R"({"const": null})"), 0));
}

TEST(SchemaValidator, PropertiesReportNestedPath) {
  const json schema =
      parse(R"({"properties": {"address": {"properties": {"city": {"type": "string"}}}}, "type": "object"})");
  EXPECT_TRUE(valid(schema, parse(R"({"address": {"city": "Oslo"}, "other": 1})")));
  EXPECT_EQ(first_error(schema, parse(R"({"address": {"city": 5}})")),
            "/address/city: expected string, got number");
}

TEST(SchemaValidator, PathEscapesPointerCharacters) {
  const json schema = parse(R"({"properties": {"a/b": {"type": "string"}, "c~d": {"type": "string"}}})");
  EXPECT_THAT(validate_json_schema(schema, parse(R"({"a/b": 1, "c~d": 2})")),
              ElementsAre(HasSubstr("/a~1b: expected string"), HasSubstr("/c~0d: expected string")));
}

TEST(SchemaValidator, Required) {
  const json schema = parse(R"({"required": ["name", "days"]})");
  EXPECT_TRUE(valid(schema, parse(R"({"name": "x", "days": 1})")));
  EXPECT_THAT(validate_json_schema(schema, parse(R"({"days": 1})")),
              ElementsAre("/: missing required property \"name\""));
  EXPECT_EQ(validate_json_schema(schema, json::object()).size(), 2u);
  EXPECT_TRUE(valid(schema, "not an object"));  // object keywords ignore other types
}

TEST(SchemaValidator, AdditionalPropertiesFalse) {
  const json schema = parse(R"({"properties": {"name": {}}, "additionalProperties": false})");
  EXPECT_TRUE(valid(schema, parse(R"({"name": 1})")));
  EXPECT_EQ(first_error(schema, parse(R"({"name": 1, "extra": 2})")), "/extra: property not allowed");
}

TEST(SchemaValidator, AdditionalPropertiesSchema) {
  const json schema =
      parse(R"({"properties": {"name": {"type": "string"}}, "additionalProperties": {"type": "integer"}})");
  EXPECT_TRUE(valid(schema, parse(R"({"name": "n", "a": 1, "b": 2})")));
  EXPECT_EQ(first_error(schema, parse(R"({"name": "n", "a": "x"})")), "/a: expected integer, got string");
  EXPECT_TRUE(valid(parse(R"({"additionalProperties": true})"), parse(R"({"a": 1})")));
}

TEST(SchemaValidator, PatternPropertiesAreNotAdditional) {
  const json schema =
      parse(R"({"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false})");
  EXPECT_TRUE(valid(schema, parse(R"({"x-trace": "abc"})")));
  EXPECT_EQ(first_error(schema, parse(R"({"x-trace": 1})")), "/x-trace: expected string, got number");
  EXPECT_EQ(first_error(schema, parse(R"({"y": "abc"})")), "/y: property not allowed");
}

TEST(SchemaValidator, ItemsSchema) {
  const json schema = parse(R"({"properties": {"tags": {"type": "array", "items": {"type": "string"}}}})");
  EXPECT_TRUE(valid(schema, parse(R"({"tags": ["a", "b"]})")));
  EXPECT_TRUE(valid(schema, parse(R"({"tags": []})")));
  EXPECT_EQ(first_error(schema, parse(R"({"tags": ["a", 2]})")), "/tags/1: expected string, got number");
}

TEST(SchemaValidator, PrefixItems) {
  const json schema = parse(R"({"prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false})");
  EXPECT_TRUE(valid(schema, parse(R"(["a", 1])")));
  EXPECT_TRUE(valid(schema, parse(R"(["a"])")));
  EXPECT_EQ(first_error(schema, parse(R"(["a", "b"])")), "/1: expected integer, got string");
  EXPECT_EQ(first_error(schema, parse(R"(["a", 1, true])")), "/2: no value is allowed here");
}

TEST(SchemaValidator, LegacyArrayFormItems) {
  const json schema = parse(R"({"items": [{"type": "string"}], "additionalItems": {"type": "boolean"}})");
  EXPECT_TRUE(valid(schema, parse(R"(["a", true, false])")));
  EXPECT_EQ(first_error(schema, parse(R"(["a", 1])")), "/1: expected boolean, got number");
}

TEST(SchemaValidator, MinAndMaxItems) {
  const json schema = parse(R"({"minItems": 1, "maxItems": 2})");
  EXPECT_TRUE(valid(schema, parse("[1]")));
  EXPECT_TRUE(valid(schema, parse("[1, 2]")));
  EXPECT_EQ(first_error(schema, json::array()), "/: must have at least 1 items");
  EXPECT_EQ(first_error(schema, parse("[1, 2, 3]")), "/: must have at most 2 items");
}

TEST(SchemaValidator, UniqueItems) {
  const json schema = parse(R"({"uniqueItems": true})");
  EXPECT_TRUE(valid(schema, parse(R"([1, "1", {"a": 1}, {"a": 2}])")));
  EXPECT_EQ(first_error(schema, parse("[1, 2, 1]")), "/: items must be unique (items 0 and 2 are equal)");
  EXPECT_FALSE(valid(schema, parse("[1, 1.0]")));
  EXPECT_FALSE(valid(schema, parse(R"([{"a": [1]}, {"a": [1]}])")));
  EXPECT_TRUE(valid(parse(R"({"uniqueItems": false})"), parse("[1, 1]")));
}

TEST(SchemaValidator, UniqueItemsIsIndependentOfOtherArrayFailures) {
  const auto errors = validate_json_schema(parse(R"({"minItems": 5, "uniqueItems": true})"), parse("[1, 1]"));
  EXPECT_EQ(errors.size(), 2u);
}

TEST(SchemaValidator, LengthCountsCodePoints) {
  const json schema = parse(R"({"minLength": 2, "maxLength": 3})");
  EXPECT_TRUE(valid(schema, "ab"));
  EXPECT_TRUE(valid(schema, "h\xC3\xA9y"));                        // "héy": 3 code points, 4 bytes
  EXPECT_TRUE(valid(schema, "\xF0\x9F\x98\x80\xF0\x9F\x98\x80"));  // two emoji, 8 bytes
  EXPECT_EQ(first_error(schema, "\xE6\x97\xA5"), "/: must be at least 2 characters long");  // one CJK char
  EXPECT_EQ(first_error(schema, "abcd"), "/: must be at most 3 characters long");
}

TEST(SchemaValidator, Pattern) {
  const json schema = parse(R"({"pattern": "^[a-z]+-\\d+$"})");
  EXPECT_TRUE(valid(schema, "abc-12"));
  EXPECT_THAT(first_error(schema, "ABC-12"), HasSubstr("/: must match pattern"));
  EXPECT_TRUE(valid(parse(R"({"pattern": "b"})"), "abc"));  // unanchored search, as ECMA-262 requires
  EXPECT_TRUE(valid(schema, 12));                           // string keywords ignore other types
}

TEST(SchemaValidator, UncompilablePatternIsIgnored) {
  EXPECT_TRUE(valid(parse(R"({"pattern": "(["})"), "anything"));
  EXPECT_TRUE(valid(parse(R"({"patternProperties": {"(": false}})"), parse(R"({"(": 1})")));
}

TEST(SchemaValidator, PatternOnLongStringDoesNotOverflowStack) {
  const json schema = parse(R"({"pattern": "^(a|b)*$"})");
  EXPECT_TRUE(valid(schema, std::string(200000, 'a')));
  EXPECT_FALSE(valid(schema, std::string(200000, 'a') + "c"));
}

TEST(SchemaValidator, MinimumAndMaximum) {
  const json schema = parse(R"({"minimum": 1, "maximum": 10.5})");
  EXPECT_TRUE(valid(schema, 1));
  EXPECT_TRUE(valid(schema, 10.5));
  EXPECT_EQ(first_error(schema, 0), "/: must be >= 1");
  EXPECT_EQ(first_error(schema, 11), "/: must be <= 10.5");
  EXPECT_TRUE(valid(schema, "100"));  // numeric keywords ignore other types
}

TEST(SchemaValidator, ExclusiveBounds) {
  const json schema = parse(R"({"properties": {"days": {"exclusiveMinimum": 0, "exclusiveMaximum": 8}}})");
  EXPECT_TRUE(valid(schema, parse(R"({"days": 1})")));
  EXPECT_TRUE(valid(schema, parse(R"({"days": 7.9})")));
  EXPECT_EQ(first_error(schema, parse(R"({"days": 0})")), "/days: must be > 0");
  EXPECT_EQ(first_error(schema, parse(R"({"days": 8})")), "/days: must be < 8");
}

TEST(SchemaValidator, Draft04BooleanExclusiveBounds) {
  const json schema =
      parse(R"({"minimum": 0, "exclusiveMinimum": true, "maximum": 5, "exclusiveMaximum": true})");
  EXPECT_TRUE(valid(schema, 3));
  EXPECT_EQ(first_error(schema, 0), "/: must be > 0");
  EXPECT_EQ(first_error(schema, 5), "/: must be < 5");
  EXPECT_TRUE(valid(parse(R"({"minimum": 0, "exclusiveMinimum": false})"), 0));
}

TEST(SchemaValidator, LargeIntegerBoundsAreExact) {
  // 2^53 + 1 rounds to 2^53 as a double, so a double comparison would accept it.
  EXPECT_FALSE(valid(parse(R"({"maximum": 9007199254740992})"), parse("9007199254740993")));
  EXPECT_TRUE(valid(parse(R"({"minimum": -1})"), parse("18446744073709551615")));
  EXPECT_FALSE(valid(parse(R"({"maximum": -1})"), parse("18446744073709551615")));
  EXPECT_TRUE(valid(parse(R"({"maximum": -5})"), parse("-9223372036854775808")));
}

TEST(SchemaValidator, MultipleOf) {
  EXPECT_TRUE(valid(parse(R"({"multipleOf": 5})"), 10));
  EXPECT_TRUE(valid(parse(R"({"multipleOf": 5})"), -10));
  EXPECT_EQ(first_error(parse(R"({"multipleOf": 5})"), 7), "/: must be a multiple of 5");
  EXPECT_TRUE(valid(parse(R"({"multipleOf": 0.1})"), parse("0.3")));
  EXPECT_FALSE(valid(parse(R"({"multipleOf": 0.1})"), parse("0.35")));
  EXPECT_TRUE(valid(parse(R"({"multipleOf": 0.5})"), parse("4")));
  EXPECT_TRUE(valid(parse(R"({"multipleOf": 0})"), 7));  // malformed: ignored
}

TEST(SchemaValidator, MinAndMaxProperties) {
  const json schema = parse(R"({"minProperties": 1, "maxProperties": 2})");
  EXPECT_TRUE(valid(schema, parse(R"({"a": 1})")));
  EXPECT_EQ(first_error(schema, json::object()), "/: must have at least 1 properties");
  EXPECT_EQ(first_error(schema, parse(R"({"a": 1, "b": 2, "c": 3})")), "/: must have at most 2 properties");
}

TEST(SchemaValidator, AllOfReportsEachBranch) {
  const json schema = parse(R"({"allOf": [{"type": "integer"}, {"minimum": 3}]})");
  EXPECT_TRUE(valid(schema, 4));
  EXPECT_THAT(validate_json_schema(schema, 2.5),
              ElementsAre("/: expected integer, got number", "/: must be >= 3"));
}

TEST(SchemaValidator, AnyOf) {
  const json schema = parse(R"({"anyOf": [{"type": "string"}, {"minimum": 3}]})");
  EXPECT_TRUE(valid(schema, "x"));
  EXPECT_TRUE(valid(schema, 5));
  // Failing branches are not reported individually once the combinator fails as a whole.
  EXPECT_THAT(validate_json_schema(schema, 1), ElementsAre("/: must match at least one schema in anyOf"));
}

TEST(SchemaValidator, OneOf) {
  const json schema = parse(R"({"oneOf": [{"type": "integer"}, {"minimum": 3}]})");
  EXPECT_TRUE(valid(schema, 1));
  EXPECT_TRUE(valid(schema, 3.5));
  EXPECT_EQ(first_error(schema, 5), "/: must match exactly one schema in oneOf (matched several)");
  EXPECT_EQ(first_error(schema, 1.5), "/: must match exactly one schema in oneOf (matched none)");
}

TEST(SchemaValidator, Not) {
  const json schema = parse(R"({"not": {"type": "string"}})");
  EXPECT_TRUE(valid(schema, 1));
  EXPECT_EQ(first_error(schema, "s"), "/: must not match the schema in \"not\"");
}

TEST(SchemaValidator, IfThenElse) {
  const json schema = parse(R"({"if": {"minimum": 10}, "then": {"multipleOf": 10}, "else": {"maximum": 5}})");
  EXPECT_TRUE(valid(schema, 20));
  EXPECT_TRUE(valid(schema, 4));
  EXPECT_EQ(first_error(schema, 15), "/: must be a multiple of 10");
  EXPECT_EQ(first_error(schema, 7), "/: must be <= 5");
  EXPECT_TRUE(valid(parse(R"({"then": false, "else": false})"), 1));  // no "if": then/else are inert
}

TEST(SchemaValidator, FixtureAcceptsValidInstances) {
  const json schema = parse(kFixtureSchema);
  EXPECT_TRUE(valid(schema, parse(R"({"name": "Ada", "contactMethod": "phone", "phone": "555"})")));
  EXPECT_TRUE(valid(schema, parse(R"({"email": "a@example.com"})")));
  EXPECT_TRUE(
      valid(schema, parse(R"({"contactMethod": "email", "email": "a@example.com", "phone": "555"})")));
  EXPECT_TRUE(valid(
      schema, parse(R"({"name": "Ada", "address": {"street": "Main", "city": "Oslo"}, "email": "e@x"})")));
}

TEST(SchemaValidator, FixtureRejectsInvalidInstances) {
  const json schema = parse(kFixtureSchema);
  EXPECT_THAT(
      validate_json_schema(schema, json::object()),
      ElementsAre("/: must match at least one schema in anyOf", "/: missing required property \"email\""));
  EXPECT_THAT(validate_json_schema(schema, parse(R"({"contactMethod": "phone", "email": "e@x"})")),
              ElementsAre("/: missing required property \"phone\""));
  EXPECT_THAT(validate_json_schema(schema, parse(R"({"email": "e@x", "extra": 1})")),
              ElementsAre("/extra: property not allowed"));
  EXPECT_THAT(validate_json_schema(schema, parse(R"({"email": "e@x", "address": {"city": 5}})")),
              ElementsAre("/address/city: expected string, got number"));
  EXPECT_THAT(validate_json_schema(schema, parse(R"({"contactMethod": "fax", "email": "e@x"})")),
              ElementsAre(HasSubstr("/contactMethod: must be one of")));
  EXPECT_THAT(validate_json_schema(schema, parse(R"({"name": 7, "email": "e@x"})")),
              ElementsAre("/name: expected string, got number"));
  EXPECT_THAT(validate_json_schema(schema, "not an object"), ElementsAre("/: expected object, got string"));
}

TEST(SchemaValidator, FixtureThroughAnchorReference) {
  json schema = parse(kFixtureSchema);
  schema["properties"]["address"] = {{"$ref", "#addressDef"}};
  EXPECT_TRUE(valid(schema, parse(R"({"email": "e@x", "address": {"city": "Oslo"}})")));
  EXPECT_EQ(first_error(schema, parse(R"({"email": "e@x", "address": {"street": []}})")),
            "/address/street: expected string, got array");
}

TEST(SchemaValidator, RefToDefinitionsAndRoot) {
  const json schema = parse(R"({
    "definitions": {"pos": {"type": "integer", "minimum": 1}},
    "properties": {"n": {"$ref": "#/definitions/pos"}, "self": {"$ref": "#"}}
  })");
  EXPECT_TRUE(valid(schema, parse(R"({"n": 2, "self": {"n": 3}})")));
  EXPECT_EQ(first_error(schema, parse(R"({"n": 0})")), "/n: must be >= 1");
  EXPECT_EQ(first_error(schema, parse(R"({"self": {"n": "x"}})")), "/self/n: expected integer, got string");
}

TEST(SchemaValidator, RefPointerEscapingAndArrayIndex) {
  const json schema = parse(R"({
    "$defs": {"a/b": {"type": "string"}, "c~d": {"type": "integer"}, "list": [{"type": "boolean"}]},
    "properties": {"x": {"$ref": "#/$defs/a~1b"}, "y": {"$ref": "#/$defs/c~0d"},
                   "w": {"$ref": "#/$defs/list/0"}}
  })");
  EXPECT_TRUE(valid(schema, parse(R"({"x": "s", "y": 1, "w": true})")));
  EXPECT_THAT(validate_json_schema(schema, parse(R"({"x": 1, "y": "s", "w": 1})")),
              ElementsAre(HasSubstr("/w: expected boolean"), HasSubstr("/x: expected string"),
                          HasSubstr("/y: expected integer")));
}

TEST(SchemaValidator, RefSiblingKeywordsStillApply) {
  const json schema = parse(R"({"$defs": {"s": {"type": "string"}}, "$ref": "#/$defs/s", "maxLength": 2})");
  EXPECT_TRUE(valid(schema, "ab"));
  EXPECT_EQ(first_error(schema, "abc"), "/: must be at most 2 characters long");
  EXPECT_EQ(first_error(schema, 1), "/: expected string, got number");
}

TEST(SchemaValidator, RecursiveSchemaValidatesNestedInstances) {
  const json schema = parse(R"({
    "$defs": {"node": {"$anchor": "node", "type": "object", "required": ["value"],
                       "properties": {"value": {"type": "integer"},
                                      "children": {"type": "array", "items": {"$ref": "#node"}}}}},
    "$ref": "#/$defs/node"
  })");
  EXPECT_TRUE(
      valid(schema, parse(R"({"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]})")));
  EXPECT_EQ(
      first_error(schema, parse(R"({"value": 1, "children": [{"value": 2, "children": [{"value": "x"}]}]})")),
      "/children/0/children/0/value: expected integer, got string");
}

TEST(SchemaValidator, RefCycleHitsDepthLimit) {
  EXPECT_THAT(first_error(parse(R"({"$ref": "#"})"), 1), HasSubstr("$ref nesting exceeds 64 levels"));
  const json mutual =
      parse(R"({"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"})");
  EXPECT_THAT(first_error(mutual, json::object()), HasSubstr("$ref nesting exceeds"));
  // Inside anyOf the cycle only makes the branch fail.
  EXPECT_FALSE(valid(parse(R"({"anyOf": [{"$ref": "#"}]})"), 1));
}

TEST(SchemaValidator, DeeplyNestedInstanceDoesNotOverflowStack) {
  const json schema = parse(R"({"type": "array", "items": {"$ref": "#"}})");
  const std::size_t depth = 100000;
  const json deep = json::parse(std::string(depth, '[') + std::string(depth, ']'));
  EXPECT_THAT(first_error(schema, deep), HasSubstr("$ref nesting exceeds"));
  EXPECT_TRUE(valid(schema, parse("[[[], [[]]]]")));
}

TEST(SchemaValidator, UnresolvableRefsAreIgnored) {
  EXPECT_TRUE(valid(parse(R"({"$ref": "#/$defs/missing"})"), 1));
  EXPECT_TRUE(valid(parse(R"({"$ref": "#nowhere"})"), 1));
  EXPECT_TRUE(valid(parse(R"({"$ref": "https://example.com/schema.json"})"), 1));
  EXPECT_TRUE(valid(parse(R"({"$defs": {"a": []}, "$ref": "#/$defs/a/7"})"), 1));
}

TEST(SchemaValidator, AnchorInsideConstIsNotAnAnchor) {
  const json schema = parse(R"({"const": {"$anchor": "x", "type": "string"}, "$ref": "#x"})");
  EXPECT_TRUE(valid(schema, parse(R"({"$anchor": "x", "type": "string"})")));
}

TEST(SchemaValidator, MalformedKeywordsAreIgnored) {
  const char* const schemas[] = {R"({"type": 5})",
                                 R"({"type": ["nonsense"]})",
                                 R"({"required": "name"})",
                                 R"({"properties": []})",
                                 R"({"minLength": "3"})",
                                 R"({"minLength": -1})",
                                 R"({"enum": "x"})",
                                 R"({"allOf": {}})",
                                 R"({"anyOf": []})",
                                 R"({"oneOf": 3})",
                                 R"({"not": "x"})",
                                 R"({"items": 3})",
                                 R"({"prefixItems": {}})",
                                 R"({"minimum": "0"})",
                                 R"({"multipleOf": -2})",
                                 R"({"if": 1, "then": false})",
                                 R"({"$ref": 7})",
                                 R"({"pattern": 1})",
                                 R"({"additionalProperties": 3})",
                                 R"({"maxItems": 1.5})",
                                 R"({"$ref": "#/"})",
                                 R"(42)",
                                 R"("str")",
                                 R"(null)",
                                 R"([])"};
  const json instances[] = {json(1), json("x"), json::array({1, 1}), parse(R"({"a": [1]})"), json(nullptr)};
  for (const char* text : schemas) {
    for (const json& instance : instances) {
      std::vector<std::string> errors;
      EXPECT_NO_THROW(errors = validate_json_schema(parse(text), instance)) << text;
      EXPECT_TRUE(errors.empty()) << text << " vs " << instance.dump() << ": " << errors.front();
    }
  }
}

TEST(SchemaValidator, FormatAndUnknownKeywordsAreIgnored) {
  EXPECT_TRUE(valid(parse(R"({"type": "string", "format": "email"})"), "not an email"));
  EXPECT_TRUE(valid(parse(R"({"x-custom": {"type": "integer"}, "description": "d"})"), "s"));
}

TEST(SchemaValidator, MaxErrorsCapsCollection) {
  const json schema = parse(R"({"required": ["a", "b", "c", "d"]})");
  EXPECT_EQ(validate_json_schema(schema, json::object()).size(), 4u);
  EXPECT_EQ(validate_json_schema(schema, json::object(), 2).size(), 2u);
  EXPECT_EQ(validate_json_schema(schema, json::object(), 0).size(), 1u);  // never looks valid
  const json items = parse(R"({"items": {"type": "string"}})");
  EXPECT_EQ(validate_json_schema(items, json::array({1, 2, 3, 4, 5, 6, 7, 8, 9, 10})).size(), 8u);
}

TEST(SchemaValidator, ErrorsAcrossArrayOfObjectsCarryFullPath) {
  const json schema = parse(R"({"properties": {"people": {"items": {"required": ["name"],
                                  "properties": {"name": {"minLength": 1}}}}}})");
  EXPECT_THAT(validate_json_schema(schema, parse(R"({"people": [{"name": "a"}, {}, {"name": ""}]})")),
              ElementsAre("/people/1: missing required property \"name\"",
                          "/people/2/name: must be at least 1 characters long"));
}

}  // namespace
