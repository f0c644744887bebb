# A small stand-in for nixpkgs' `lib` and module system, enough to evaluate
# the module ocgen writes without a nixpkgs checkout. It follows
# lib/modules.nix where the module relies on it: mkIf and mkMerge pushed
# down into attribute sets (so conditions are not forced to learn names),
# mkOverride priorities (mkForce 50, definitions 100, mkDefault 1000, option
# defaults 1500), submodules evaluated with `name`, attrsOf and listOf
# merged element by element, and conflicting definitions of a plain value
# as an error. Options nobody declared (systemd.services, users, ...) merge
# like `types.anything`.
let
  inherit (builtins)
    all any attrNames concatLists concatMap filter foldl' head isAttrs
    isBool isFunction isInt isList isString length listToAttrs mapAttrs
    tail toJSON;

  unique = foldl' (acc: x: if builtins.elem x acc then acc else acc ++ [ x ]) [ ];
  genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);
  showLoc = loc: builtins.concatStringsSep "." loc;
  isDerivation = x: isAttrs x && (x.type or null) == "derivation";

  lib = rec {
    inherit genAttrs unique;
    mkIf = condition: content: { _type = "if"; inherit condition content; };
    mkMerge = contents: { _type = "merge"; inherit contents; };
    mkOverride = priority: content: { _type = "override"; inherit priority content; };
    mkDefault = mkOverride 1000;
    mkForce = mkOverride 50;
    mkOptionDefault = mkOverride 1500;
    mkOption = attrs: attrs // { _type = "option"; };
    mkEnableOption = what: mkOption {
      type = types.bool;
      default = false;
      description = "Whether to enable ${what}.";
    };
    literalExpression = text: { _type = "literalExpression"; inherit text; };

    nameValuePair = name: value: { inherit name value; };
    mapAttrs' = f: set: listToAttrs (map (n: f n set.${n}) (attrNames set));
    mapAttrsToList = f: set: map (n: f n set.${n}) (attrNames set);
    filterAttrs = pred: set:
      listToAttrs (concatMap (n: if pred n set.${n} then [{ name = n; value = set.${n}; }] else [ ]) (attrNames set));
    attrValues = set: map (n: set.${n}) (attrNames set);
    optional = cond: x: if cond then [ x ] else [ ];
    optionals = cond: xs: if cond then xs else [ ];
    optionalAttrs = cond: set: if cond then set else { };
    inherit all any concatLists concatMap;

    types = rec {
      mkEqual = name: check: {
        inherit name check;
        merge = loc: defs:
          let v = (head defs).value; in
          if all (d: d.value == v) defs then v
          else throw "The option `${showLoc loc}' has conflicting definition values: ${toJSON (map (d: d.value) defs)}";
      };
      bool = mkEqual "bool" isBool;
      str = mkEqual "str" isString;
      int = mkEqual "int" isInt;
      port = mkEqual "port" (v: isInt v && v >= 0 && v <= 65535);
      package = mkEqual "package" (v: isAttrs v && v ? outPath);
      enum = values: mkEqual "enum" (v: builtins.elem v values);
      listOf = elem: {
        name = "listOf";
        check = isList;
        merge = loc: defs: concatLists (map (d: map (x: mergeDefs loc elem [ x ]) d.value) defs);
      };
      attrsOf = elem: {
        name = "attrsOf";
        check = isAttrs;
        merge = loc: defs:
          let
            names = unique (concatMap (d: attrNames d.value) defs);
            defsOf = n: concatMap (d: if d.value ? ${n} then [ d.value.${n} ] else [ ]) defs;
            merged = map (n: { name = n; defs = mergeDefsOpt (loc ++ [ n ]) elem (defsOf n); }) names;
          in
          listToAttrs (map (m: { inherit (m) name; value = m.defs.value; }) (filter (m: m.defs.defined) merged));
      };
      submodule = module: {
        name = "submodule";
        check = x: isAttrs x || isFunction x;
        merge = loc: defs:
          (evalModules {
            modules = [ module ] ++ map (d: { config = d.value; }) defs;
            specialArgs = { name = lib.last loc; };
          }).config;
      };
      anything = {
        name = "anything";
        check = _: true;
        merge = loc: defs:
          let vals = map (d: d.value) defs; in
          if all (v: isAttrs v && !isDerivation v) vals then (attrsOf anything).merge loc defs
          else if all isList vals then concatLists vals
          else (mkEqual "anything" (_: true)).merge loc defs;
      };
    };

    last = xs: builtins.elemAt xs (length xs - 1);

    # --- the module system -------------------------------------------------

    # mkMerge and mkIf resolved at one location.
    dischargeProperties = def:
      if (def._type or null) == "merge" then concatMap dischargeProperties def.contents
      else if (def._type or null) == "if" then
        (if isBool def.condition then (if def.condition then dischargeProperties def.content else [ ])
        else throw "mkIf condition is not a boolean")
      else [ def ];

    # mkOverride: only the definitions of the highest priority survive.
    filterOverrides = defs:
      let
        prio = d: if (d.value._type or null) == "override" then d.value.priority else 100;
        best = foldl' (p: d: if prio d < p then prio d else p) 9999 defs;
        strip = d: if (d.value._type or null) == "override" then { value = d.value.content; } else d;
      in
      map strip (filter (d: prio d == best) defs);

    # Raw definitions of one option → { defined; value; }.
    mergeDefsOpt = loc: type: raw:
      let
        defs = filterOverrides (concatMap (r: map (v: { value = v; }) (dischargeProperties r)) raw);
        bad = filter (d: !(type.check d.value)) defs;
      in
      if defs == [ ] then { defined = false; value = null; }
      else if bad != [ ] then throw "The option `${showLoc loc}' is not of type ${type.name}: ${toJSON (head bad).value}"
      else { defined = true; value = type.merge loc defs; };

    mergeDefs = loc: type: raw:
      let r = mergeDefsOpt loc type raw; in
      if r.defined then r.value else throw "The option `${showLoc loc}' is used but not defined.";

    # Properties around an attribute set move onto its attributes, as in
    # lib/modules.nix pushDownProperties.
    pushDown = def:
      if (def._type or null) == "merge" then concatMap pushDown def.contents
      else if (def._type or null) == "if" then map (mapAttrs (_: v: mkIf def.condition v)) (pushDown def.content)
      else if (def._type or null) == "override" then map (mapAttrs (_: v: mkOverride def.priority v)) (pushDown def.content)
      else [ def ];

    isOption = x: isAttrs x && (x._type or null) == "option";

    mergeAt = loc: decl: defs:
      if isOption decl then
        mergeDefs loc decl.type (defs ++ (if decl ? default then [ (mkOptionDefault decl.default) ] else [ ]))
      else if decl == null then mergeDefs loc types.anything defs
      else
        let
          sets = concatMap pushDown defs;
          names = unique (attrNames decl ++ concatMap attrNames sets);
        in
        genAttrs names (n: mergeAt (loc ++ [ n ]) (decl.${n} or null) (concatMap (s: if s ? ${n} then [ s.${n} ] else [ ]) sets));

    # Options may be declared as nested sets (`options.a.b = mkOption ...`).
    mergeDecls = a: b:
      if isOption a || isOption b then throw "option declared twice"
      else a // mapAttrs (n: v: if a ? ${n} then mergeDecls a.${n} v else v) b;

    evalModules = { modules, specialArgs ? { } }:
      let
        args = specialArgs // { inherit config lib; options = decls; };
        load = m0:
          let
            m = if builtins.isPath m0 then import m0 else m0;
            r = if isFunction m then m args else m;
          in
          if r ? options || r ? config then { options = r.options or { }; config = r.config or { }; }
          else { options = { }; config = r; };
        loaded = map load modules;
        decls = foldl' mergeDecls { } (map (m: m.options) loaded);
        config = mergeAt [ ] decls (map (m: m.config) loaded);
      in
      { inherit config; options = decls; };
  };
in
lib
