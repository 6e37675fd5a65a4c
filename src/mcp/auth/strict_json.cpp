#include "mcp/auth/strict_json.hpp"

#include <exception>
#include <utility>
#include <vector>

namespace mcp::auth {
namespace {

enum class Failure { kNone, kDuplicate, kTooDeep, kSyntax };

// Builds the DOM like nlohmann's json_sax_dom_parser, but refuses a member
// name already present in the object being built. Members are inserted when
// their key is seen, so the object itself is the set of keys so far.
class StrictDomBuilder final : public nlohmann::json_sax<Json> {
 public:
  StrictDomBuilder(Json& root, std::size_t max_depth) : root_(root), max_depth_(max_depth) {}

  bool null() override { return put(nullptr); }
  bool boolean(bool value) override { return put(value); }
  bool number_integer(number_integer_t value) override { return put(value); }
  bool number_unsigned(number_unsigned_t value) override { return put(value); }
  bool number_float(number_float_t value, const string_t& /*text*/) override { return put(value); }
  bool string(string_t& value) override { return put(std::move(value)); }
  bool binary(binary_t& /*value*/) override { return fail(Failure::kSyntax); }  // not produced by JSON text

  bool start_object(std::size_t /*elements*/) override { return open(Json::object()); }
  bool key(string_t& name) override {
    // One map lookup both detects the duplicate and makes the slot.
    auto [it, inserted] = stack_.back()->get_ref<Json::object_t&>().emplace(std::move(name), nullptr);
    if (!inserted) return fail(Failure::kDuplicate);
    member_ = &it->second;
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t /*elements*/) override { return open(Json::array()); }
  bool end_array() override { return close(); }

  bool parse_error(std::size_t /*position*/, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*error*/) override {
    return fail(Failure::kSyntax);
  }

  Failure failure() const { return failure_; }

 private:
  // Where the next value goes: the root, the member whose key was just seen,
  // or the end of the innermost array.
  template <class V>
  Json* place(V&& value) {
    if (stack_.empty()) {
      root_ = Json(std::forward<V>(value));
      return &root_;
    }
    Json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.emplace_back(std::forward<V>(value));
      return &parent.back();
    }
    *member_ = Json(std::forward<V>(value));
    return member_;
  }
  template <class V>
  bool put(V&& value) {
    place(std::forward<V>(value));
    return true;
  }
  bool open(Json&& container) {
    if (stack_.size() >= max_depth_) return fail(Failure::kTooDeep);
    stack_.push_back(place(std::move(container)));
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }
  bool fail(Failure failure) {
    if (failure_ == Failure::kNone) failure_ = failure;
    return false;
  }

  Json& root_;
  std::size_t max_depth_;
  std::vector<Json*> stack_;  // open containers; pointers stay valid as only their last child grows
  Json* member_ = nullptr;
  Failure failure_ = Failure::kNone;
};

}  // namespace

util::Expected<Json, std::string> parse_strict_json_or_error(std::string_view text, std::size_t max_depth) {
  // RFC 8259 §8.1: a BOM must not be sent; nlohmann would silently skip it.
  // A raw NUL is never valid JSON, and nlohmann's lexer takes it for the end
  // of input, which would let anything follow it.
  if (text.substr(0, 3) == "\xEF\xBB\xBF" || text.find('\0') != std::string_view::npos) {
    return util::unexpected(std::string("invalid JSON"));
  }
  try {
    Json root;
    StrictDomBuilder builder(root, max_depth);
    const bool ok = Json::sax_parse(text.begin(), text.end(), &builder, nlohmann::json::input_format_t::json,
                                    /*strict=*/true, /*ignore_comments=*/false);
    if (ok && builder.failure() == Failure::kNone) return root;
    switch (builder.failure()) {
      case Failure::kDuplicate:
        return util::unexpected(std::string("duplicate JSON member"));
      case Failure::kTooDeep:
        return util::unexpected(std::string("JSON nesting too deep"));
      default:
        return util::unexpected(std::string("invalid JSON"));
    }
  } catch (const std::exception&) {
    // Only allocation failure can get here; treat it like bad input.
    return util::unexpected(std::string("invalid JSON"));
  }
}

std::optional<Json> parse_strict_json(std::string_view text, std::size_t max_depth) {
  auto parsed = parse_strict_json_or_error(text, max_depth);
  if (!parsed) return std::nullopt;
  return std::move(*parsed);
}

}  // namespace mcp::auth
