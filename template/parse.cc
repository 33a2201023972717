// Parsing Go templates: a translation of Go's text/template/parse/parse.go
// (Go 1.25) over the lexer of internal/lex.h, building the tree of
// internal/ast.h, so that what it accepts and the errors it gives match
// Go's. Each {{define}} and {{block}} body is parsed by a Tree of its own
// (its own token look-ahead and variables), sharing the lexer, as in Go.
#include <algorithm>
#include <utility>

#include "template/internal/ast.h"
#include "template/internal/lex.h"
#include "template/internal/strconv.h"
#include "template/internal/unicode.h"
#include "template/template.h"

namespace cogwatch::tmpl {
namespace internal {
namespace {

// Parenthesized expressions nest at most this deep (Go's maxStackDepth,
// which is 10000 there: each level here takes C++ stack, a fixed 8 MiB on
// the main thread, which 10000 levels would overflow).
constexpr int kMaxStackDepth = 1000;
// if / range / with / define bodies nest at most this deep, for the same
// reason (Go sets no limit; its stack grows to 1 GB).
constexpr int kMaxNesting = 1000;

// Thrown inside the parser; becomes a kParse error.
struct ParseError {
  std::string message;  // "template: NAME:LINE: what"
};

// unicode.IsSpace, which bytes.TrimSpace uses to tell an empty template.
bool is_unicode_space(char32_t r) {
  switch (r) {
    case '\t':
    case '\n':
    case '\v':
    case '\f':
    case '\r':
    case ' ':
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

// parse.IsEmptyTree: nothing but space (comments are not kept).
bool is_empty_tree(const NodeList& nodes) {
  for (const Node& n : nodes) {
    if (n.kind != Node::Kind::kText) return false;
    for (std::string_view s = n.text; !s.empty();) {
      const DecodedRune d = decode_rune(s);
      if (!is_unicode_space(d.rune)) return false;
      s.remove_prefix(d.width);
    }
  }
  return true;
}

// What itemList stops at besides EOF: {{end}} or {{else}}, as Go's
// endNode and elseNode.
struct Stop {
  enum class Kind : uint8_t { kNone, kEnd, kElse } kind = Kind::kNone;
  Pos pos = 0;
  std::string describe() const { return kind == Kind::kEnd ? "{{end}}" : "{{else}}"; }
};

// What the trees of one Parse share: the lexer and the set of templates.
struct Shared {
  std::string_view parse_name;
  Lexer lexer;
  Defines defines;
  int nesting = 0;  // if / range / with / block bodies being parsed
};

class Tree {
 public:
  Tree(Shared& shared, std::string name) : shared_(shared), name_(std::move(name)) {}

  // Go's Tree.parse and add: the top-level template, {{define}}s included.
  void parse_top() {
    while (peek().type != ItemType::kEOF) {
      if (peek().type == ItemType::kLeftDelim) {
        const Item delim = next();
        if (next_non_space().type == ItemType::kDefine) {
          Tree definition(shared_, "definition");  // named once the name is read
          definition.parse_definition();
          continue;
        }
        backup2(delim);
      }
      Stop stop;
      Node n = text_or_action(stop);
      if (stop.kind != Stop::Kind::kNone) errorf("unexpected " + stop.describe());
      root_.push_back(std::move(n));
    }
    add();
  }

 private:
  // ---- errors ----

  [[noreturn]] void errorf(const std::string& message) {
    throw ParseError{"template: " + std::string(shared_.parse_name) + ":" + std::to_string(token_[0].line) + ": " +
                     message};
  }

  // Go's unexpected: a lexer error as it is (saying where its action
  // began when that was on another line), else "unexpected X in context".
  [[noreturn]] void unexpected(const Item& token, std::string_view context) {
    if (token.type == ItemType::kError) {
      std::string extra;
      if (action_line_ != 0 && action_line_ != token.line) {
        extra = " in action started at " + std::string(shared_.parse_name) + ":" + std::to_string(action_line_);
        if (token.error.ends_with(" action")) extra = extra.substr(std::string_view(" in action").size());
      }
      errorf(token.error + extra);
    }
    errorf("unexpected " + token.describe() + " in " + std::string(context));
  }

  // ---- Go's three-token look-ahead ----

  Item next() {
    if (peek_count_ > 0) {
      --peek_count_;
    } else {
      token_[0] = shared_.lexer.next_item();
    }
    return token_[peek_count_];
  }
  void backup() { ++peek_count_; }
  void backup2(Item t1) {
    token_[1] = std::move(t1);
    peek_count_ = 2;
  }
  void backup3(Item t2, Item t1) {  // t1 comes first
    token_[1] = std::move(t1);
    token_[2] = std::move(t2);
    peek_count_ = 3;
  }
  Item peek() {
    if (peek_count_ > 0) return token_[peek_count_ - 1];
    peek_count_ = 1;
    token_[0] = shared_.lexer.next_item();
    return token_[0];
  }
  Item next_non_space() {
    Item token;
    do {
      token = next();
    } while (token.type == ItemType::kSpace);
    return token;
  }
  Item peek_non_space() {
    Item token = next_non_space();
    backup();
    return token;
  }
  Item expect(ItemType expected, std::string_view context) {
    Item token = next_non_space();
    if (token.type != expected) unexpected(token, context);
    return token;
  }

  // Counts a control's body while it is parsed; too deep is an error.
  struct NestingGuard {
    explicit NestingGuard(Tree& t) : tree(t) {
      if (++tree.shared_.nesting > kMaxNesting) tree.errorf("max nesting depth exceeded");
    }
    ~NestingGuard() { --tree.shared_.nesting; }
    NestingGuard(const NestingGuard&) = delete;
    NestingGuard& operator=(const NestingGuard&) = delete;
    Tree& tree;
  };

  // ---- templates ----

  // Go's Tree.add: into the set, unless a non-empty one has the name.
  void add() {
    auto& slot = shared_.defines[name_];
    if (!slot || is_empty_tree(*slot)) {
      slot = std::make_shared<const NodeList>(std::move(root_));
      return;
    }
    if (!is_empty_tree(root_)) errorf("template: multiple definition of template " + quote(name_));
  }

  // {{define "name"}} ... {{end}}, the keyword read.
  void parse_definition() {
    constexpr std::string_view kContext = "define clause";
    const Item name = next_non_space();
    if (name.type != ItemType::kString && name.type != ItemType::kRawString) unexpected(name, kContext);
    name_ = unquote_or_fail(name.val);
    expect(ItemType::kRightDelim, kContext);
    Stop stop;
    root_ = item_list(stop);
    if (stop.kind != Stop::Kind::kEnd) errorf("unexpected " + stop.describe() + " in " + std::string(kContext));
    add();
  }

  std::string unquote_or_fail(std::string_view literal) {
    auto s = go_unquote(literal);
    if (!s) errorf("invalid syntax");
    return *std::move(s);
  }

  // Nodes up to {{end}} or {{else}} (in stop); EOF is an error.
  NodeList item_list(Stop& stop) {
    NodeList list;
    while (peek_non_space().type != ItemType::kEOF) {
      Node n = text_or_action(stop);
      if (stop.kind != Stop::Kind::kNone) return list;
      list.push_back(std::move(n));
    }
    errorf("unexpected EOF");
  }

  Node text_or_action(Stop& stop) {
    stop = Stop{};
    const Item token = next_non_space();
    if (token.type == ItemType::kText) return Node{Node::Kind::kText, token.pos, std::string(token.val), {}, {}, {}};
    if (token.type != ItemType::kLeftDelim) unexpected(token, "input");
    action_line_ = token.line;
    Node n = action(stop);
    action_line_ = 0;
    return n;
  }

  // Inside {{ }}: a control keyword or a pipeline.
  Node action(Stop& stop) {
    const Item token = next_non_space();
    switch (token.type) {
      case ItemType::kBlock:
        return block_control();
      case ItemType::kBreak:
      case ItemType::kContinue:
        return loop_control(token);
      case ItemType::kElse:
        stop = else_control();
        return {};
      case ItemType::kEnd:
        stop = Stop{Stop::Kind::kEnd, expect(ItemType::kRightDelim, "end").pos};
        return {};
      case ItemType::kIf:
        return branch_control(Node::Kind::kIf, "if");
      case ItemType::kRange:
        return branch_control(Node::Kind::kRange, "range");
      case ItemType::kTemplate:
        return template_control();
      case ItemType::kWith:
        return branch_control(Node::Kind::kWith, "with");
      default:
        break;
    }
    backup();
    const Item first = peek();
    // Variables declared here persist until the enclosing {{end}}.
    return Node{Node::Kind::kAction, first.pos, {}, pipeline("command", ItemType::kRightDelim), {}, {}};
  }

  // {{break}} and {{continue}}, the keyword read.
  Node loop_control(const Item& keyword) {
    const bool is_break = keyword.type == ItemType::kBreak;
    const std::string word = is_break ? "break" : "continue";
    if (const Item token = next_non_space(); token.type != ItemType::kRightDelim) unexpected(token, "{{" + word + "}}");
    if (range_depth_ == 0) errorf("{{" + word + "}} outside {{range}}");
    return Node{is_break ? Node::Kind::kBreak : Node::Kind::kContinue, keyword.pos, {}, {}, {}, {}};
  }

  // {{else}}, or the {{else if}} / {{else with}} that parse_control turns
  // into a nested if / with (the keyword is left to read).
  Stop else_control() {
    const Item peeked = peek_non_space();
    if (peeked.type == ItemType::kIf || peeked.type == ItemType::kWith) return Stop{Stop::Kind::kElse, peeked.pos};
    return Stop{Stop::Kind::kElse, expect(ItemType::kRightDelim, "else").pos};
  }

  // if / range / with: pipeline, list, optional else list, end. The
  // pipeline's variables end with the control.
  Node branch_control(Node::Kind kind, std::string_view context) {
    const NestingGuard guard(*this);
    const size_t vars_mark = vars_.size();
    Node n;
    n.kind = kind;
    n.pipe = pipeline(context, ItemType::kRightDelim);
    n.pos = n.pipe->pos;
    if (kind == Node::Kind::kRange) ++range_depth_;
    Stop stop;
    n.list = std::make_shared<NodeList>(item_list(stop));
    if (kind == Node::Kind::kRange) --range_depth_;
    if (stop.kind == Stop::Kind::kElse) {
      // {{if a}}x{{else if b}}y{{end}} is {{if a}}x{{else}}{{if b}}y{{end}}{{end}}
      // with one {{end}}; the same for with.
      if (kind == Node::Kind::kIf && peek().type == ItemType::kIf) {
        next();
        n.else_list = std::make_shared<NodeList>(NodeList{branch_control(Node::Kind::kIf, "if")});
      } else if (kind == Node::Kind::kWith && peek().type == ItemType::kWith) {
        next();
        n.else_list = std::make_shared<NodeList>(NodeList{branch_control(Node::Kind::kWith, "with")});
      } else {
        n.else_list = std::make_shared<NodeList>(item_list(stop));
        if (stop.kind != Stop::Kind::kEnd) errorf("expected end; found " + stop.describe());
      }
    }
    vars_.resize(vars_mark);
    return n;
  }

  // {{block "name" pipeline}} ... {{end}}: a {{define}} and a {{template}}.
  Node block_control() {
    const NestingGuard guard(*this);
    constexpr std::string_view kContext = "block clause";
    const Item token = next_non_space();
    std::string name = template_name(token, kContext);
    auto pipe = pipeline(kContext, ItemType::kRightDelim);
    Tree block(shared_, name);
    Stop stop;
    block.root_ = block.item_list(stop);
    if (stop.kind != Stop::Kind::kEnd) errorf("unexpected " + stop.describe() + " in " + std::string(kContext));
    block.add();
    return Node{Node::Kind::kTemplate, token.pos, std::move(name), std::move(pipe), {}, {}};
  }

  // {{template "name"}} or {{template "name" pipeline}}.
  Node template_control() {
    constexpr std::string_view kContext = "template clause";
    const Item token = next_non_space();
    std::string name = template_name(token, kContext);
    std::shared_ptr<Pipe> pipe;
    if (next_non_space().type != ItemType::kRightDelim) {
      backup();
      pipe = pipeline(kContext, ItemType::kRightDelim);
    }
    return Node{Node::Kind::kTemplate, token.pos, std::move(name), std::move(pipe), {}, {}};
  }

  std::string template_name(const Item& token, std::string_view context) {
    if (token.type != ItemType::kString && token.type != ItemType::kRawString) unexpected(token, context);
    return unquote_or_fail(token.val);
  }

  // ---- pipelines ----

  // declarations? command ('|' command)*, up to `end`.
  std::shared_ptr<Pipe> pipeline(std::string_view context, ItemType end) {
    auto pipe = std::make_shared<Pipe>();
    pipe->pos = peek_non_space().pos;
    while (true) {  // declarations: $x :=, $x =, and in range $i, $e :=
      const Item v = peek_non_space();
      if (v.type != ItemType::kVariable) break;
      next();
      // Spaces are items: "$x foo" needs the item after the variable kept
      // to put it back when no declaration follows.
      const Item after_variable = peek();
      const Item following = peek_non_space();
      if (following.type == ItemType::kAssign || following.type == ItemType::kDeclare) {
        pipe->is_assign = following.type == ItemType::kAssign;
        next_non_space();
        pipe->decl.emplace_back(v.val);
        vars_.emplace_back(v.val);
      } else if (following.type == ItemType::kChar && following.val == ",") {
        next_non_space();
        pipe->decl.emplace_back(v.val);
        vars_.emplace_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          const ItemType t = peek_non_space().type;
          if (t == ItemType::kVariable || t == ItemType::kRightDelim || t == ItemType::kRightParen) continue;
          errorf("range can only initialize variables");
        }
        errorf("too many declarations in " + std::string(context));
      } else if (after_variable.type == ItemType::kSpace) {
        backup3(v, after_variable);
      } else {
        backup2(v);
      }
      break;
    }
    while (true) {
      const Item token = next_non_space();
      if (token.type == end) {
        check_pipeline(*pipe, context);
        return pipe;
      }
      switch (token.type) {
        case ItemType::kBool:
        case ItemType::kCharConstant:
        case ItemType::kComplex:
        case ItemType::kDot:
        case ItemType::kField:
        case ItemType::kIdentifier:
        case ItemType::kNumber:
        case ItemType::kNil:
        case ItemType::kRawString:
        case ItemType::kString:
        case ItemType::kVariable:
        case ItemType::kLeftParen:
          backup();
          pipe->commands.push_back(command());
          break;
        default:
          unexpected(token, context);
      }
    }
  }

  void check_pipeline(const Pipe& pipe, std::string_view context) {
    if (pipe.commands.empty()) errorf("missing value for " + std::string(context));
    // Only the first command may start with a value that is not executable.
    for (size_t i = 1; i < pipe.commands.size(); ++i) {
      switch (pipe.commands[i].args.front().kind) {
        case Operand::Kind::kBool:
        case Operand::Kind::kDot:
        case Operand::Kind::kNil:
        case Operand::Kind::kNumber:
        case Operand::Kind::kString:
          errorf("non executable command in pipeline stage " + std::to_string(i + 1));
        default:
          break;
      }
    }
  }

  // Space-separated operands up to '|' (consumed), '}}' or ')' (not).
  Command command() {
    Command cmd;
    cmd.pos = peek_non_space().pos;
    while (true) {
      peek_non_space();  // skips spaces
      if (auto o = operand()) cmd.args.push_back(std::move(*o));
      const Item token = next();
      if (token.type == ItemType::kSpace) continue;
      if (token.type == ItemType::kRightDelim || token.type == ItemType::kRightParen) {
        backup();
      } else if (token.type != ItemType::kPipe) {
        unexpected(token, "operand");
      }
      break;
    }
    if (cmd.args.empty()) errorf("empty command");
    return cmd;
  }

  // A term and the fields that follow it without space: .a.b, $x.a,
  // (pipe).a, fn.a.
  std::optional<Operand> operand() {
    std::optional<Operand> node = term();
    if (!node || peek().type != ItemType::kField) return node;
    const Pos chain_pos = peek().pos;
    switch (node->kind) {
      case Operand::Kind::kBool:
      case Operand::Kind::kString:
      case Operand::Kind::kNumber:
      case Operand::Kind::kNil:
      case Operand::Kind::kDot:
        errorf("unexpected . after term " + quote(node->text));
      default:
        break;
    }
    while (peek().type == ItemType::kField) {
      const Item f = next();
      node->fields.emplace_back(f.val.substr(1));
      node->text += f.val;
    }
    node->term_pos = node->pos;
    node->pos = chain_pos;  // Go places a chain at its first field
    return node;
  }

  std::optional<Operand> term() {
    const Item token = next_non_space();
    Operand o;
    o.pos = token.pos;
    o.text = std::string(token.val);
    switch (token.type) {
      case ItemType::kIdentifier:
        if (find_function(token.val) == nullptr) errorf("function " + quote(token.val) + " not defined");
        o.kind = Operand::Kind::kFunction;
        o.name = o.text;
        return o;
      case ItemType::kDot:
        o.kind = Operand::Kind::kDot;
        return o;
      case ItemType::kNil:
        o.kind = Operand::Kind::kNil;
        return o;
      case ItemType::kVariable:
        if (std::find(vars_.begin(), vars_.end(), token.val) == vars_.end()) {
          errorf("undefined variable " + quote(token.val));
        }
        o.kind = Operand::Kind::kVariable;
        o.name = o.text;
        return o;
      case ItemType::kField:
        o.kind = Operand::Kind::kField;
        o.fields.emplace_back(token.val.substr(1));
        return o;
      case ItemType::kBool:
        o.kind = Operand::Kind::kBool;
        o.constant.v = token.val == "true";
        return o;
      case ItemType::kCharConstant:
      case ItemType::kComplex:
      case ItemType::kNumber: {
        auto n = parse_number(token.val, token.type == ItemType::kCharConstant ? NumberSyntax::kCharConstant
                                         : token.type == ItemType::kComplex    ? NumberSyntax::kComplex
                                                                               : NumberSyntax::kNumber);
        if (!n) errorf(n.error().message);
        o.kind = Operand::Kind::kNumber;
        o.number = *n;
        return o;
      }
      case ItemType::kLeftParen: {
        if (stack_depth_ >= kMaxStackDepth) errorf("max expression depth exceeded");
        ++stack_depth_;
        o.kind = Operand::Kind::kPipe;
        o.pipe = pipeline("parenthesized pipeline", ItemType::kRightParen);
        --stack_depth_;
        o.text = "(" + pipe_string(*o.pipe) + ")";
        return o;
      }
      case ItemType::kString:
      case ItemType::kRawString:
        o.kind = Operand::Kind::kString;
        o.constant.v = unquote_or_fail(token.val);
        return o;
      default:
        break;
    }
    backup();
    return std::nullopt;
  }

  Shared& shared_;
  std::string name_;
  NodeList root_;
  Item token_[3];
  int peek_count_ = 0;
  std::vector<std::string> vars_{"$"};
  int range_depth_ = 0;
  int action_line_ = 0;  // line of the action being parsed, 0 between actions
  int stack_depth_ = 0;
};

void write_list(std::string& out, const NodeList& nodes, bool quote_text);

void write_node(std::string& out, const Node& n, bool quote_text) {
  switch (n.kind) {
    case Node::Kind::kText:
      out += quote_text ? quote(n.text) : n.text;
      return;
    case Node::Kind::kAction:
      out += "{{" + pipe_string(*n.pipe) + "}}";
      return;
    case Node::Kind::kBreak:
      out += "{{break}}";
      return;
    case Node::Kind::kContinue:
      out += "{{continue}}";
      return;
    case Node::Kind::kTemplate:
      out += "{{template " + quote(n.text);
      if (n.pipe) out += " " + pipe_string(*n.pipe);
      out += "}}";
      return;
    case Node::Kind::kIf:
    case Node::Kind::kRange:
    case Node::Kind::kWith:
      out += n.kind == Node::Kind::kIf ? "{{if " : n.kind == Node::Kind::kRange ? "{{range " : "{{with ";
      out += pipe_string(*n.pipe) + "}}";
      write_list(out, *n.list, quote_text);
      if (n.else_list) {
        out += "{{else}}";
        write_list(out, *n.else_list, quote_text);
      }
      out += "{{end}}";
      return;
  }
}

void write_list(std::string& out, const NodeList& nodes, bool quote_text) {
  for (const Node& n : nodes) write_node(out, n, quote_text);
}

}  // namespace

std::string pipe_string(const Pipe& pipe) {
  std::string out;
  for (size_t i = 0; i < pipe.decl.size(); ++i) out += (i > 0 ? ", " : "") + pipe.decl[i];
  if (!pipe.decl.empty()) out += pipe.is_assign ? " = " : " := ";
  for (size_t i = 0; i < pipe.commands.size(); ++i) {
    if (i > 0) out += " | ";
    for (size_t j = 0; j < pipe.commands[i].args.size(); ++j) {
      if (j > 0) out += ' ';
      out += pipe.commands[i].args[j].text;
    }
  }
  return out;
}

std::string tree_string(const NodeList& nodes, bool quote_text) {
  std::string out;
  write_list(out, nodes, quote_text);
  return out;
}

Result<Defines> parse_templates(std::string_view name, std::string_view text) {
  Shared shared{name, Lexer(text), {}};
  try {
    Tree(shared, std::string(name)).parse_top();
  } catch (const ParseError& e) {
    return make_error(ErrorCode::kParse, e.message);
  }
  return std::move(shared.defines);
}

}  // namespace internal

Result<Template> Template::parse(std::string_view name, std::string_view text) {
  Template t;
  t.name_ = std::string(name);
  t.text_ = std::string(text);
  auto defines = internal::parse_templates(t.name_, t.text_);
  if (!defines) return defines.take_error();
  t.root_ = (*defines)[t.name_];
  t.defines_ = std::make_shared<const internal::Defines>(*std::move(defines));
  return t;
}

}  // namespace cogwatch::tmpl
