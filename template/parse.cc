// Parsing Go templates: a lexer for the inside of actions and a recursive
// descent parser shaped like Go's text/template/parse, so that what it
// accepts and the errors it gives match.
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "model/unquote.h"
#include "template/internal/ast.h"
#include "template/template.h"

namespace cogwatch::tmpl {
namespace internal {
namespace {

struct Token {
  enum class Kind : uint8_t {
    kEnd,  // of the action: }}
    kField, kDot, kVariable, kIdentifier, kKeyword, kString, kRawString, kChar, kNumber, kBool, kNil,
    kPipe, kLeftParen, kRightParen, kDeclare, kAssign, kComma,
  };
  Kind kind = Kind::kEnd;
  Pos pos = 0;
  std::string text;
  bool space_before = false;  // separates operands: "$a .b" is two, "$a.b" one
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

constexpr std::string_view kKeywords[] = {"if", "else", "end", "range", "with", "break", "continue",
                                          "define", "template", "block"};

// Thrown inside the parser; becomes a kParse error.
struct ParseError {
  Pos pos;
  std::string message;
};

class Parser {
 public:
  Parser(std::string_view name, std::string_view text) : name_(name), text_(text) {}

  NodeList parse() {
    vars_ = {"$"};
    NodeList root;
    while (true) {
      Node n;
      const Stop stop = item(n);
      if (stop == Stop::kEof) break;
      if (stop == Stop::kElse) fail(last_action_pos_, "unexpected {{else}}");
      if (stop == Stop::kEnd) fail(last_action_pos_, "unexpected {{end}}");
      root.push_back(std::move(n));
    }
    return root;
  }

  Error error(const ParseError& e) const {
    const uint32_t line = 1 + static_cast<uint32_t>(std::count(text_.begin(), text_.begin() + e.pos, '\n'));
    return make_error(ErrorCode::kParse, "template: " + std::string(name_) + ":" + std::to_string(line) + ": " + e.message);
  }

 private:
  enum class Stop : uint8_t { kNone, kEof, kElse, kEnd };

  [[noreturn]] void fail(Pos pos, std::string message) { throw ParseError{pos, std::move(message)}; }

  // ---- text and action boundaries ----

  // Reads the next item at the top level of a list: text, or an action.
  // Returns kEof at the end, kElse/kEnd at {{else}}/{{end}}.
  Stop item(Node& out) {
    if (pos_ >= text_.size()) return Stop::kEof;
    if (!in_action_) {
      const size_t open = text_.find("{{", pos_);
      std::string_view text = text_.substr(pos_, open == std::string_view::npos ? text_.size() - pos_ : open - pos_);
      const Pos start = static_cast<Pos>(pos_);
      // "{{- " trims the whitespace before it ("{{-3}}" is the number -3).
      const bool trim_left =
          open != std::string_view::npos && open + 3 < text_.size() && text_[open + 2] == '-' && is_space(text_[open + 3]);
      if (trim_left) {
        while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
      }
      if (trim_next_) {
        while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
        trim_next_ = false;
      }
      if (open == std::string_view::npos) {
        pos_ = text_.size();
        if (text.empty()) return Stop::kEof;
        out = Node{Node::Kind::kText, start, std::string(text), nullptr, nullptr, nullptr};
        return Stop::kNone;
      }
      pos_ = open + 2 + (trim_left ? 2 : 0);
      action_pos_ = static_cast<Pos>(open);
      in_action_ = true;
      if (!text.empty()) {
        out = Node{Node::Kind::kText, start, std::string(text), nullptr, nullptr, nullptr};
        return Stop::kNone;
      }
    }
    return action(out);
  }

  // Inside {{ ... }}: a comment, a keyword, or a pipeline.
  Stop action(Node& out) {
    last_action_pos_ = action_pos_;
    skip_spaces();
    if (text_.substr(pos_).starts_with("/*")) {
      const size_t close = text_.find("*/", pos_ + 2);
      if (close == std::string_view::npos) fail(action_pos_, "unclosed comment");
      pos_ = close + 2;
      if (!at_action_end()) fail(action_pos_, "comment ends before closing delimiter");
      end_action();
      return item(out);
    }
    Token t = next();
    if (t.kind == Token::Kind::kKeyword) {
      if (t.text == "end") {
        expect_end("end");
        return Stop::kEnd;
      }
      if (t.text == "else") {
        // {{else}}, or {{else if ...}} / {{else with ...}}, which the
        // caller turns into a nested control.
        const Token peek = peek_token();
        if (peek.kind == Token::Kind::kKeyword && (peek.text == "if" || peek.text == "with")) {
          pending_else_chain_ = true;
        } else {
          expect_end("else");
        }
        return Stop::kElse;
      }
      if (t.text == "if" || t.text == "with" || t.text == "range") {
        out = control(t);
        return Stop::kNone;
      }
      if (t.text == "break" || t.text == "continue") {
        if (range_depth_ == 0) fail(t.pos, "{{" + t.text + "}} outside {{range}}");
        expect_end(t.text.c_str());
        out = Node{t.text == "break" ? Node::Kind::kBreak : Node::Kind::kContinue, t.pos, {}, nullptr, nullptr, nullptr};
        return Stop::kNone;
      }
      if (t.text == "define") {
        if (depth_ > 0) fail(t.pos, "unexpected <define> in command");
        const std::string name = template_name("define clause");
        expect_end("define clause");
        define(name, t.pos);
        return item(out);
      }
      if (t.text == "template" || t.text == "block") {
        Pos at = t.pos;  // Go places the node at the name
        const std::string name = template_name((t.text + " clause").c_str(), &at);
        std::shared_ptr<Pipe> dot;
        if (peek_token().kind != Token::Kind::kEnd || t.text == "block") {
          dot = pipeline((t.text + " clause").c_str(), Token::Kind::kEnd);
        }
        end_action();
        if (t.text == "block") define(name, t.pos);  // {{block}} = {{define}} + {{template}}
        out = Node{Node::Kind::kTemplate, at, name, dot, nullptr, nullptr};
        return Stop::kNone;
      }
      fail(t.pos, "unexpected <" + t.text + "> in command");
    }
    put_back(std::move(t));
    out = Node{Node::Kind::kAction, action_pos_, {}, pipeline("command", Token::Kind::kEnd), nullptr, nullptr};
    end_action();
    return Stop::kNone;
  }

  // The quoted name after define, template and block; `at` gets its place.
  std::string template_name(const char* context, Pos* at = nullptr) {
    Token t = next();
    if (at != nullptr) *at = t.pos;
    if (t.kind != Token::Kind::kString && t.kind != Token::Kind::kRawString) {
      fail(t.pos, "unexpected " + describe(t) + " in " + context);
    }
    auto s = unquote(t.text);
    if (!s) fail(t.pos, s.error().message);
    return *std::move(s);
  }

  // The body of a {{define}} or {{block}} up to its {{end}}: its own
  // variables ($ only) and no enclosing range.
  void define(const std::string& name, Pos pos) {
    std::vector<std::string> outer_vars = std::exchange(vars_, {"$"});
    const int outer_range = std::exchange(range_depth_, 0);
    ++depth_;
    Stop stop = Stop::kNone;
    auto body = std::make_shared<NodeList>(list(stop));
    --depth_;
    range_depth_ = outer_range;
    vars_ = std::move(outer_vars);
    if (stop == Stop::kElse) fail(last_action_pos_, "unexpected {{else}}");
    if (stop != Stop::kEnd) fail(static_cast<Pos>(text_.size()), "unexpected EOF");
    auto& slot = defines_[name];
    if (slot && !slot->empty() && !body->empty()) fail(pos, "template: multiple definition of template \"" + name + "\"");
    if (!slot || !body->empty()) slot = std::move(body);
  }

 public:
  Defines take_defines() { return std::move(defines_); }

 private:
  // if / with / range: pipeline, body, optional else, end.
  Node control(const Token& keyword) {
    const size_t vars_before = vars_.size();
    Node n;
    n.kind = keyword.text == "if" ? Node::Kind::kIf : keyword.text == "with" ? Node::Kind::kWith : Node::Kind::kRange;
    n.pos = keyword.pos;
    n.pipe = pipeline(keyword.text.c_str(), Token::Kind::kEnd, n.kind == Node::Kind::kRange);
    end_action();
    if (n.kind == Node::Kind::kRange) ++range_depth_;
    ++depth_;
    Stop stop = Stop::kNone;
    n.list = std::make_shared<NodeList>(list(stop));
    if (n.kind == Node::Kind::kRange) --range_depth_;
    if (stop == Stop::kElse) {
      if (pending_else_chain_) {
        // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}} sharing one end.
        pending_else_chain_ = false;
        Token chained = next();
        Node nested = control(chained);
        n.else_list = std::make_shared<NodeList>(NodeList{std::move(nested)});
        --depth_;
        vars_.resize(vars_before);
        return n;
      }
      n.else_list = std::make_shared<NodeList>(list(stop));
      if (stop == Stop::kElse) fail(last_action_pos_, "expected end; found {{else}}");
    }
    --depth_;
    if (stop != Stop::kEnd) fail(static_cast<Pos>(text_.size()), "unexpected EOF");
    vars_.resize(vars_before);
    return n;
  }

  // Nodes until {{else}}, {{end}} or the end of the text (reported in stop).
  NodeList list(Stop& stop) {
    NodeList out;
    while (true) {
      Node n;
      stop = item(n);
      if (stop != Stop::kNone) return out;
      out.push_back(std::move(n));
    }
  }

  // ---- pipelines ----

  std::shared_ptr<Pipe> pipeline(const char* context, Token::Kind end, bool in_range = false) {
    auto pipe = std::make_shared<Pipe>();
    pipe->pos = static_cast<Pos>(pos_);
    // Declarations: $x := ..., $x = ..., and in range $i, $e := ...
    Token t = next();
    if (t.kind == Token::Kind::kVariable) {
      Token after = next();
      if (after.kind == Token::Kind::kDeclare || after.kind == Token::Kind::kAssign) {
        pipe->is_assign = after.kind == Token::Kind::kAssign;
        pipe->decl.push_back(t.text);
      } else if (after.kind == Token::Kind::kComma && in_range) {
        Token second = next();
        if (second.kind != Token::Kind::kVariable) fail(second.pos, "range can only initialize variables");
        Token op = next();
        if (op.kind != Token::Kind::kDeclare && op.kind != Token::Kind::kAssign) {
          fail(op.pos, "expected := or = in range declaration");
        }
        pipe->is_assign = op.kind == Token::Kind::kAssign;
        pipe->decl = {t.text, second.text};
      } else {
        put_back(std::move(after));
        put_back(std::move(t));
      }
    } else {
      put_back(std::move(t));
    }
    for (const std::string& v : pipe->decl) {
      if (pipe->is_assign) {
        check_variable(v, pipe->pos);
      } else {
        vars_.push_back(v);
      }
    }
    while (true) {
      Token peek = peek_token();
      if (peek.kind == end) {
        if (end == Token::Kind::kRightParen) next();
        break;
      }
      if (peek.kind == Token::Kind::kEnd || peek.kind == Token::Kind::kRightParen) {
        fail(peek.pos, peek.kind == Token::Kind::kEnd ? "unclosed left paren" : "unexpected right paren");
      }
      pipe->commands.push_back(command());
      Token sep = peek_token();
      if (sep.kind == Token::Kind::kPipe) {
        next();
        if (peek_token().kind == end || peek_token().kind == Token::Kind::kEnd) fail(sep.pos, "missing command after |");
      }
    }
    if (pipe->commands.empty()) fail(pipe->pos, std::string("missing value for ") + context);
    return pipe;
  }

  Command command() {
    Command c;
    c.pos = peek_token().pos;
    while (true) {
      Token t = peek_token();
      if (t.kind == Token::Kind::kPipe || t.kind == Token::Kind::kEnd || t.kind == Token::Kind::kRightParen) break;
      c.args.push_back(operand());
    }
    if (c.args.empty()) fail(c.pos, "empty command");
    return c;
  }

  Operand operand() {
    Token t = next();
    Operand o;
    o.pos = t.pos;
    o.text = t.text;
    switch (t.kind) {
      case Token::Kind::kField:
        o.kind = Operand::Kind::kField;
        o.fields.push_back(t.text.substr(1));
        break;
      case Token::Kind::kDot: o.kind = Operand::Kind::kDot; break;
      case Token::Kind::kVariable:
        check_variable(t.text, t.pos);
        o.kind = Operand::Kind::kVariable;
        o.name = t.text;
        break;
      case Token::Kind::kIdentifier:
        if (find_function(t.text) == nullptr) fail(t.pos, "function \"" + t.text + "\" not defined");
        o.kind = Operand::Kind::kFunction;
        o.name = t.text;
        break;
      case Token::Kind::kNil: o.kind = Operand::Kind::kNil; break;
      case Token::Kind::kBool:
        o.kind = Operand::Kind::kBool;
        o.constant.v = t.text == "true";
        break;
      case Token::Kind::kString:
      case Token::Kind::kRawString: {
        auto s = unquote(t.text);
        if (!s) fail(t.pos, s.error().message);
        o.kind = Operand::Kind::kString;
        o.constant.v = *std::move(s);
        break;
      }
      case Token::Kind::kChar: {
        auto s = unquote(t.text);
        if (!s || s->empty()) fail(t.pos, "malformed character constant: " + t.text);
        o.kind = Operand::Kind::kNumber;
        o.number_is_int = true;
        o.constant.v = static_cast<int64_t>(decode_rune(*s));
        break;
      }
      case Token::Kind::kNumber: number(t, o); break;
      case Token::Kind::kLeftParen:
        o.kind = Operand::Kind::kPipe;
        o.pipe = pipeline("parenthesized pipeline", Token::Kind::kRightParen);
        o.text = "(" + std::string(text_.substr(t.pos + 1, pos_ - t.pos - 1));
        break;
      default: fail(t.pos, "unexpected " + describe(t) + " in operand");
    }
    // Field chains: .a.b after a variable, a field, dot or (pipe).
    while (peek_token().kind == Token::Kind::kField && !peek_token().space_before) {
      Token f = next();
      if (o.kind == Operand::Kind::kFunction || o.kind == Operand::Kind::kNil || o.kind == Operand::Kind::kBool ||
          o.kind == Operand::Kind::kNumber || o.kind == Operand::Kind::kString) {
        fail(f.pos, "unexpected . after term \"" + o.text + "\"");
      }
      // Go places a chain at its first field: $labels.job is at ".job".
      if (o.fields.empty() && o.kind != Operand::Kind::kField) o.pos = f.pos;
      o.fields.push_back(f.text.substr(1));
      o.text += f.text;
    }
    return o;
  }

  static int64_t decode_rune(const std::string& s) {
    const auto c = static_cast<unsigned char>(s[0]);
    if (c < 0x80) return c;
    int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    int64_t r = c & (0xFF >> (len + 1));
    for (int i = 1; i < len && i < static_cast<int>(s.size()); ++i) r = r << 6 | (s[i] & 0x3F);
    return r;
  }

  // Go's number syntax: ints (decimal, 0x, 0o, 0b, leading-0 octal) and
  // floats; an int-valued float written with . or e stays a float.
  void number(const Token& t, Operand& o) {
    o.kind = Operand::Kind::kNumber;
    std::string digits;
    for (char c : t.text) {
      if (c != '_') digits += c;
    }
    const std::string& s = digits;
    std::string body = s;
    bool negative = false;
    if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
      negative = body[0] == '-';
      body.erase(0, 1);
    }
    int base = 10;
    std::string mantissa = body;
    if (body.size() > 1 && body[0] == '0') {
      const char p = static_cast<char>(std::tolower(static_cast<unsigned char>(body[1])));
      if (p == 'x') base = 16, mantissa = body.substr(2);
      else if (p == 'o') base = 8, mantissa = body.substr(2);
      else if (p == 'b') base = 2, mantissa = body.substr(2);
      else if (std::isdigit(static_cast<unsigned char>(p))) base = 8, mantissa = body.substr(1);
    }
    const bool floaty = base == 10 ? body.find_first_of(".eE") != std::string::npos
                                   : base == 16 && body.find_first_of(".pP") != std::string::npos;
    if (!floaty && !mantissa.empty()) {
      errno = 0;
      char* end = nullptr;
      const long long v = std::strtoll(mantissa.c_str(), &end, base);
      if (errno == 0 && end == mantissa.c_str() + mantissa.size()) {
        o.number_is_int = true;
        o.constant.v = static_cast<int64_t>(negative ? -v : v);
        return;
      }
    }
    errno = 0;
    char* end = nullptr;
    const double f = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || s.empty() || (base == 8 && floaty)) {
      fail(t.pos, "bad number syntax: \"" + t.text + "\"");
    }
    o.constant.v = f;
  }

  void check_variable(const std::string& name, Pos pos) {
    if (std::find(vars_.begin(), vars_.end(), name) == vars_.end()) fail(pos, "undefined variable \"" + name + "\"");
  }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Token::Kind::kEnd: return "}}";
      case Token::Kind::kPipe: return "\"|\"";
      case Token::Kind::kRightParen: return "\")\"";
      case Token::Kind::kDeclare: return "\":=\"";
      case Token::Kind::kAssign: return "\"=\"";
      case Token::Kind::kComma: return "\",\"";
      case Token::Kind::kKeyword: return "<" + t.text + ">";
      default: return "\"" + t.text + "\"";
    }
  }

  void expect_end(const char* context) {
    Token t = next();
    if (t.kind != Token::Kind::kEnd) fail(t.pos, "unexpected " + describe(t) + " in " + context);
    end_action();
  }

  // ---- the lexer inside actions ----

  void skip_spaces() {
    while (pos_ < text_.size() && is_space(text_[pos_])) ++pos_;
  }

  // At " -}}" or "}}" (after optional spaces)?
  bool at_action_end() {
    size_t p = pos_;
    while (p < text_.size() && is_space(text_[p])) ++p;
    if (text_.substr(p).starts_with("}}")) return true;
    return p > pos_ && text_.substr(p).starts_with("-}}");
  }

  // Lookahead tokens have already consumed the action's text: only spaces
  // remain before "}}" or " -}}".
  void end_action() {
    skip_spaces();
    if (text_.substr(pos_).starts_with("-}}")) {
      trim_next_ = true;
      pos_ += 3;
    } else if (text_.substr(pos_).starts_with("}}")) {
      pos_ += 2;
    } else {
      fail(static_cast<Pos>(pos_), "unclosed action");
    }
    in_action_ = false;
    lookahead_.clear();
  }

  void put_back(Token t) { lookahead_.insert(lookahead_.begin(), std::move(t)); }

  Token peek_token() {
    if (lookahead_.empty()) lookahead_.push_back(lex());
    return lookahead_.front();
  }

  Token next() {
    if (!lookahead_.empty()) {
      Token t = std::move(lookahead_.front());
      lookahead_.erase(lookahead_.begin());
      return t;
    }
    return lex();
  }

  Token lex() {
    const size_t before = pos_;
    skip_spaces();
    Token t;
    t.pos = static_cast<Pos>(pos_);
    t.space_before = pos_ > before;
    if (pos_ >= text_.size()) fail(static_cast<Pos>(pos_), "unclosed action");
    const std::string_view rest = text_.substr(pos_);
    if (rest.starts_with("}}") || (rest.starts_with("-}}") && pos_ > 0 && is_space(text_[pos_ - 1]))) {
      t.kind = Token::Kind::kEnd;  // not consumed: end_action() does
      return t;
    }
    const char c = rest[0];
    auto take = [&](Token::Kind kind, size_t n) {
      t.kind = kind;
      t.text = std::string(rest.substr(0, n));
      pos_ += n;
      return t;
    };
    if (rest.starts_with(":=")) return take(Token::Kind::kDeclare, 2);
    if (c == '=') return take(Token::Kind::kAssign, 1);
    if (c == '|') return take(Token::Kind::kPipe, 1);
    if (c == '(') return take(Token::Kind::kLeftParen, 1);
    if (c == ')') return take(Token::Kind::kRightParen, 1);
    if (c == ',') return take(Token::Kind::kComma, 1);
    if (c == '"' || c == '\'') {
      size_t i = 1;
      while (i < rest.size() && rest[i] != c) {
        if (rest[i] == '\\') ++i;
        if (i < rest.size() && rest[i] == '\n') break;
        ++i;
      }
      if (i >= rest.size() || rest[i] != c) fail(t.pos, c == '"' ? "unterminated quoted string" : "unterminated character constant");
      return take(c == '"' ? Token::Kind::kString : Token::Kind::kChar, i + 1);
    }
    if (c == '`') {
      const size_t close = rest.find('`', 1);
      if (close == std::string_view::npos) fail(t.pos, "unterminated raw quoted string");
      return take(Token::Kind::kRawString, close + 1);
    }
    if (c == '$') {
      size_t i = 1;
      while (i < rest.size() && is_alnum(rest[i])) ++i;
      return take(Token::Kind::kVariable, i);
    }
    if (c == '.' && !(rest.size() > 1 && std::isdigit(static_cast<unsigned char>(rest[1])))) {
      size_t i = 1;
      while (i < rest.size() && is_alnum(rest[i])) ++i;
      return take(i == 1 ? Token::Kind::kDot : Token::Kind::kField, i);
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' ||
        ((c == '+' || c == '-') && rest.size() > 1 && (std::isdigit(static_cast<unsigned char>(rest[1])) || rest[1] == '.'))) {
      size_t i = (c == '+' || c == '-') ? 1 : 0;
      while (i < rest.size() && (is_alnum(rest[i]) || rest[i] == '.' ||
                                 ((rest[i] == '+' || rest[i] == '-') && i > 0 &&
                                  std::strchr("eEpP", rest[i - 1]) != nullptr))) {
        ++i;
      }
      return take(Token::Kind::kNumber, i);
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t i = 0;
      while (i < rest.size() && is_alnum(rest[i])) ++i;
      const std::string_view word = rest.substr(0, i);
      Token::Kind kind = Token::Kind::kIdentifier;
      if (word == "true" || word == "false") kind = Token::Kind::kBool;
      else if (word == "nil") kind = Token::Kind::kNil;
      else if (std::find(std::begin(kKeywords), std::end(kKeywords), word) != std::end(kKeywords)) {
        kind = Token::Kind::kKeyword;
      }
      return take(kind, i);
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "unexpected bad character U+%04X '%c' in command", static_cast<unsigned char>(c), c);
    fail(t.pos, buf);
  }

  std::string_view name_;
  std::string_view text_;
  size_t pos_ = 0;
  bool in_action_ = false;
  bool trim_next_ = false;
  bool pending_else_chain_ = false;
  Pos action_pos_ = 0;
  Pos last_action_pos_ = 0;
  int range_depth_ = 0;
  int depth_ = 0;  // nesting in control structures and defines
  Defines defines_;
  std::vector<Token> lookahead_;
  std::vector<std::string> vars_;
};

}  // namespace
}  // namespace internal

Result<Template> Template::parse(std::string_view name, std::string_view text) {
  internal::Parser p(name, text);
  Template t;
  t.name_ = std::string(name);
  t.text_ = std::string(text);
  try {
    t.root_ = std::make_shared<const std::vector<internal::Node>>(p.parse());
    t.defines_ = std::make_shared<const internal::Defines>(p.take_defines());
  } catch (const internal::ParseError& e) {
    return p.error(e);
  }
  return t;
}

}  // namespace cogwatch::tmpl
