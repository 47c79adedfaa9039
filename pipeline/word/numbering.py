"""Numbered lists for Markdown in Word: each ordered list restarts its numbering (a fresh w:num on the
list style's abstract numbering, or on one made for a style that has none)."""

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.oxml.numbering import CT_Num


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def restarted_list(document, style_name: str, start: int) -> tuple[int, int]:
    """A fresh w:num on the style's abstract numbering, restarting at `start`: (numId, ilvl)."""
    numbering = document.part.numbering_part.element
    abstract_id, ilvl = _abstract_for(document, style_name, numbering)
    num_id = max((int(v) for v in numbering.xpath("./w:num/@w:numId")), default=0) + 1
    num = CT_Num.new(num_id, abstract_id)
    num.add_lvlOverride(ilvl=ilvl).add_startOverride(max(start, 0))
    numbering._insert_num(num)
    return num_id, ilvl


def _abstract_for(document, style_name: str, numbering) -> tuple[int, int]:
    style = document.styles[style_name]
    while style is not None:
        ppr = style.element.pPr
        if ppr is not None and ppr.numPr is not None and ppr.numPr.numId is not None:
            ilvl = ppr.numPr.ilvl.val if ppr.numPr.ilvl is not None else 0
            try:
                return numbering.num_having_numId(ppr.numPr.numId.val).abstractNumId.val, ilvl
            except KeyError:
                break
        style = style.base_style
    return _fallback_abstract(style_name, numbering), 0


def _fallback_abstract(style_name: str, numbering) -> int:
    """A decimal abstractNum for a list style that has no numbering of its own (made once)."""
    name = f"regpack {style_name}"
    found = numbering.xpath(f'./w:abstractNum[w:name/@w:val="{name}"]/@w:abstractNumId')
    if found:
        return int(found[0])
    ids = [int(v) for v in numbering.xpath("./w:abstractNum/@w:abstractNumId")]
    new_id = max(ids, default=-1) + 1
    left = 720 if style_name.endswith("2") else 360
    abstract = parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{new_id}">'
        f'<w:multiLevelType w:val="singleLevel"/><w:name w:val="{_esc(name)}"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/>'
        f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{left}" w:hanging="360"/></w:pPr></w:lvl>'
        "</w:abstractNum>")
    later = numbering.xpath("./w:num | ./w:numIdMacAtCleanup")  # abstractNums come before these
    later[0].addprevious(abstract) if later else numbering.append(abstract)
    return new_id
