"""Style definitions and fonts moved between Word files (`regpack templates adopt`), and the trim of
what Word adds back on a re-save (`regpack templates trim`).

Styles are matched by name (Word's style ids are localised: a German Word calls Heading 1
`berschrift1`); a template keeps its own style ids, default flags, list numbering (w:numPr points into
its own numbering part) and East Asian font (unless the letterhead names one), and takes the
letterhead's formatting.
"""

from __future__ import annotations

import copy

from docx.oxml.ns import qn
from lxml import etree

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_REFS = ("w:basedOn", "w:link", "w:next")
_PPR_BEFORE_NUMPR = {qn(f"w:{t}") for t in ("pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr",
                                               "widowControl")}


def _name(style) -> str:
    name = style.find(qn("w:name"))
    return (name.get(qn("w:val")) if name is not None else style.get(qn("w:styleId")) or "").lower()


def _styles(root) -> list:
    return list(root.iterchildren(qn("w:style")))


def adopt_styles(template, letterhead, used_by_letterhead: set[str]) -> dict[str, str]:
    """Every style the template defines that the letterhead defines too takes the letterhead's
    definition; the styles `used_by_letterhead` (ids, from its header and footer) and what they are based
    on are added; docDefaults (the default fonts) are the letterhead's. Returns letterhead id -> template id."""
    tpl_root, lh_root = template.styles.element, letterhead.styles.element
    by_name = {_name(s): s for s in _styles(tpl_root)}
    taken = {s.get(qn("w:styleId")) for s in _styles(tpl_root)}
    lh_by_id = {s.get(qn("w:styleId")): s for s in _styles(lh_root)}
    id_map, wanted = {}, list(used_by_letterhead)
    for lh_id, lh_style in lh_by_id.items():
        if _name(lh_style) in by_name:
            id_map[lh_id] = by_name[_name(lh_style)].get(qn("w:styleId"))
            wanted.append(lh_id)
    added, done = [], {}
    while wanted:  # matched styles, those the letterhead's header uses, and what they refer to
        lh_id = wanted.pop()
        if lh_id in done or lh_id not in lh_by_id:
            continue
        done[lh_id] = True
        lh_style = lh_by_id[lh_id]
        wanted += [ref.get(qn("w:val")) for tag in _REFS for ref in lh_style.iterchildren(qn(tag))]
        if lh_id not in id_map:
            new_id = lh_id if lh_id not in taken else f"{lh_id}Letterhead"
            id_map[lh_id], taken = new_id, taken | {new_id}
            added.append(lh_id)
    for lh_id in done:
        new = copy.deepcopy(lh_by_id[lh_id])
        old = by_name.get(_name(new)) if lh_id not in added else None
        new.set(qn("w:styleId"), id_map[lh_id])
        _keep_numbering(new, old)
        _keep_east_asian_font(new, old)
        new.attrib.pop(qn("w:default"), None)
        if old is not None and old.get(qn("w:default")) is not None:
            new.set(qn("w:default"), old.get(qn("w:default")))
        for tag in _REFS:
            for ref in list(new.iterchildren(qn(tag))):
                if ref.get(qn("w:val")) in id_map:
                    ref.set(qn("w:val"), id_map[ref.get(qn("w:val"))])
                else:
                    new.remove(ref)
        if old is not None:
            old.addnext(new)
            tpl_root.remove(old)
        else:
            tpl_root.append(new)
    _replace_child(tpl_root, lh_root, "w:docDefaults")
    return id_map


def _keep_numbering(new, old) -> None:
    """The template's list numbering stays (the letterhead's points into another numbering part)."""
    ppr = new.find(qn("w:pPr"))
    if ppr is not None:
        for numpr in ppr.findall(qn("w:numPr")):
            ppr.remove(numpr)
    old_numpr = old.find(f"{qn('w:pPr')}/{qn('w:numPr')}") if old is not None else None
    if old_numpr is None:
        return
    if ppr is None:  # schema order: pPr before rPr, tblPr ...
        ppr = new.makeelement(qn("w:pPr"), {})
        later = next(new.iterchildren(qn("w:rPr"), qn("w:tblPr"), qn("w:trPr"), qn("w:tcPr"), qn("w:tblStylePr")), None)
        later.addprevious(ppr) if later is not None else new.append(ppr)
    anchor = next((c for c in ppr if c.tag not in _PPR_BEFORE_NUMPR), None)
    anchor.addprevious(copy.deepcopy(old_numpr)) if anchor is not None else ppr.append(copy.deepcopy(old_numpr))


def _keep_east_asian_font(new, old) -> None:
    """The template's East Asian font (the Chinese name needs one) stays unless the letterhead's style
    names one itself."""
    fonts = old.find(f"{qn('w:rPr')}/{qn('w:rFonts')}") if old is not None else None
    if fonts is None or fonts.get(qn("w:eastAsia")) is None:
        return
    rpr = new.find(qn("w:rPr"))
    if rpr is None:
        rpr = new.makeelement(qn("w:rPr"), {})
        later = next(new.iterchildren(qn("w:tblPr"), qn("w:trPr"), qn("w:tcPr"), qn("w:tblStylePr")), None)
        later.addprevious(rpr) if later is not None else new.append(rpr)
    target = rpr.find(qn("w:rFonts"))
    if target is None:
        target = rpr.makeelement(qn("w:rFonts"), {})
        style = rpr.find(qn("w:rStyle"))
        style.addnext(target) if style is not None else rpr.insert(0, target)
    if target.get(qn("w:eastAsia")) is None and target.get(qn("w:eastAsiaTheme")) is None:
        target.set(qn("w:eastAsia"), fonts.get(qn("w:eastAsia")))


def _replace_child(target_root, source_root, tag: str) -> None:
    source = source_root.find(qn(tag))
    if source is None:
        return
    old = target_root.find(qn(tag))
    if old is not None:
        old.addnext(copy.deepcopy(source))
        target_root.remove(old)
    else:
        target_root.insert(0, copy.deepcopy(source))


def _related(document, suffix: str):
    return next((r.target_part for r in document.part.rels.values() if r.reltype.endswith(suffix)
                 and not r.is_external), None)


def adopt_fonts(template, letterhead) -> None:
    """The theme's font scheme (the fonts styles name as 'heading' and 'body') and the font table's
    entries for the letterhead's fonts (without embedded font files, which are not copied)."""
    tpl_theme, lh_theme = _related(template, "/theme"), _related(letterhead, "/theme")
    if tpl_theme is not None and lh_theme is not None:
        tpl_xml, lh_xml = etree.fromstring(tpl_theme.blob), etree.fromstring(lh_theme.blob)
        old, new = tpl_xml.find(f".//{_A}fontScheme"), lh_xml.find(f".//{_A}fontScheme")
        if old is not None and new is not None:
            old.getparent().replace(old, copy.deepcopy(new))
            tpl_theme._blob = etree.tostring(tpl_xml, xml_declaration=True, encoding="UTF-8", standalone=True)
    tpl_fonts, lh_fonts = _related(template, "/fontTable"), _related(letterhead, "/fontTable")
    if tpl_fonts is None or lh_fonts is None:
        return
    tpl_xml, lh_xml = etree.fromstring(tpl_fonts.blob), etree.fromstring(lh_fonts.blob)
    have = {f.get(qn("w:name")) for f in tpl_xml.iterchildren(qn("w:font"))}
    for font in lh_xml.iterchildren(qn("w:font")):
        if font.get(qn("w:name")) not in have:
            font = copy.deepcopy(font)
            for embedded in [c for c in font if etree.QName(c).localname.startswith("embed")]:
                font.remove(embedded)
            tpl_xml.append(font)
    tpl_fonts._blob = etree.tostring(tpl_xml, xml_declaration=True, encoding="UTF-8", standalone=True)


def unused_table_styles(document) -> list:
    """Table styles no table uses (nor a used one is based on), except the default and Table Grid (what
    Word applies to a new table): Word's stock gallery, back after a re-save."""
    root = document.styles.element
    parts = [document.element] + [r.target_part.element for r in document.part.rels.values()
                                  if r.reltype.endswith(("/header", "/footer")) and not r.is_external]
    used = {el.get(qn("w:val")) for part in parts for el in part.iter(qn("w:tblStyle"))} | {"TableGrid"}
    by_id = {s.get(qn("w:styleId")): s for s in _styles(root)}
    wanted = list(used)
    while wanted:  # and what the used ones are based on
        style = by_id.get(wanted.pop())
        if style is not None:
            based = [b.get(qn("w:val")) for b in style.iterchildren(qn("w:basedOn"))]
            wanted += [b for b in based if b not in used]
            used |= set(based)
    return [s for s in _styles(root) if s.get(qn("w:type")) == "table"
            and s.get(qn("w:default")) not in ("1", "true") and s.get(qn("w:styleId")) not in used]


def styles_with_effects(document) -> list[str]:
    """Relationship ids of Word 2010's second copy of the styles."""
    return [rid for rid, rel in document.part.rels.items() if rel.reltype.endswith("/stylesWithEffects")]


def trim(document) -> int:
    """Remove Word's stock table styles no table uses and its second copy of the styles
    (stylesWithEffects): a template re-saved by Word renders and converts faster without them.
    Returns how many things were removed."""
    unused, extras = unused_table_styles(document), styles_with_effects(document)
    for style in unused:
        document.styles.element.remove(style)
    for rid in extras:
        document.part.rels.pop(rid)
    return len(unused) + len(extras)
