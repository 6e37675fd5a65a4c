// Notifications and progress, shown as they arrive.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "json_fields.hpp"
#include "render.hpp"

namespace mcp_cli {
namespace {

constexpr int kBarWidth = 30;

Color level_color(std::string_view level) {
  if (level == "debug") return Color::kDim;
  if (level == "info") return Color::kCyan;
  if (level == "notice") return Color::kBlue;
  if (level == "warning") return Color::kYellow;
  return Color::kRed;  // error, critical, alert, emergency
}

std::string number(double value) {
  if (std::floor(value) == value && std::fabs(value) < 1e15)
    return std::to_string(static_cast<long long>(value));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", value);
  return buf;
}

}  // namespace

void render_notification(Console& console, const mcp::json_rpc::Notification& notification) {
  const Json params = notification.params.is_object() ? notification.params : Json::object();
  if (console.json()) {
    console.err(Json{{"notification", Json{{"method", notification.method}, {"params", params}}}}.dump());
    return;
  }
  const std::string& method = notification.method;
  if (method == "notifications/message") {
    const std::string level = text_of(params, "level", "info");
    std::string line = console.paint(level_color(level), "[" + level + "]");
    if (params.contains("logger") && params["logger"].is_string()) {
      line += " " + params["logger"].get<std::string>() + ":";
    }
    const Json data = any_of(params, "data");
    line += " " + (data.is_string() ? data.get<std::string>() : data.dump());
    console.out(line);
  } else if (method == "notifications/tools/list_changed") {
    console.out(console.paint(Color::kDim, "[server] the tool list changed"));
  } else if (method == "notifications/prompts/list_changed") {
    console.out(console.paint(Color::kDim, "[server] the prompt list changed"));
  } else if (method == "notifications/resources/list_changed") {
    console.out(console.paint(Color::kDim, "[server] the resource list changed"));
  } else if (method == "notifications/resources/updated") {
    console.out(console.paint(Color::kDim, "[server] resource updated: " + text_of(params, "uri")));
  } else if (method == "notifications/cancelled") {
    std::string line = "[server] cancelled request " + short_json(any_of(params, "requestId"));
    if (params.contains("reason")) line += ": " + short_json(params["reason"]);
    console.out(console.paint(Color::kDim, line));
  } else if (method == "notifications/progress") {
    mcp::client::Progress progress;
    progress.progress = number_of(params, "progress", 0.0);
    if (params.contains("total") && params["total"].is_number())
      progress.total = params["total"].get<double>();
    progress.message = text_of(params, "message");
    console.out(console.paint(Color::kDim, "[progress] " + number(progress.progress) +
                                               (progress.total ? "/" + number(*progress.total) : "") +
                                               (progress.message.empty() ? "" : " " + progress.message)));
  } else {
    console.out(console.paint(Color::kDim, "[server] " + method + " " + short_json(params)));
  }
}

void render_progress(Console& console, const mcp::client::Progress& progress) {
  if (console.json()) {
    Json line{{"progress", progress.progress}};
    if (progress.total) line["total"] = *progress.total;
    if (!progress.message.empty()) line["message"] = progress.message;
    console.err(line.dump());
    return;
  }
  std::string counts = number(progress.progress);
  if (progress.total) counts += "/" + number(*progress.total);
  const std::string suffix = progress.message.empty() ? "" : " " + progress.message;
  if (!console.is_tty(Stream::kErr)) {
    console.err("Progress: " + counts + suffix);
    return;
  }
  std::string bar;
  if (progress.total && *progress.total > 0) {
    const double fraction = std::clamp(progress.progress / *progress.total, 0.0, 1.0);
    const int filled = static_cast<int>(fraction * kBarWidth);
    bar = "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "] ";
  } else {
    bar = "[working] ";
  }
  console.set_status(bar + counts + suffix);
}

}  // namespace mcp_cli
