// Icon sets for /v1/avatars/{flags,browsers,credit-cards}/{code}: SVGs from maintained packages, bundled as text
// into the render Worker only (never the API Worker). Regenerate the flag lines from src/services/avatars/codes.ts.
// flag-icons (MIT) · @browser-logos/* (MIT) · payment-icons (MPL-2.0, used unmodified).
import flag_af from "../../node_modules/flag-icons/flags/4x3/af.svg";
import flag_ao from "../../node_modules/flag-icons/flags/4x3/ao.svg";
import flag_al from "../../node_modules/flag-icons/flags/4x3/al.svg";
import flag_ad from "../../node_modules/flag-icons/flags/4x3/ad.svg";
import flag_ae from "../../node_modules/flag-icons/flags/4x3/ae.svg";
import flag_ar from "../../node_modules/flag-icons/flags/4x3/ar.svg";
import flag_am from "../../node_modules/flag-icons/flags/4x3/am.svg";
import flag_ag from "../../node_modules/flag-icons/flags/4x3/ag.svg";
import flag_au from "../../node_modules/flag-icons/flags/4x3/au.svg";
import flag_at from "../../node_modules/flag-icons/flags/4x3/at.svg";
import flag_az from "../../node_modules/flag-icons/flags/4x3/az.svg";
import flag_bi from "../../node_modules/flag-icons/flags/4x3/bi.svg";
import flag_be from "../../node_modules/flag-icons/flags/4x3/be.svg";
import flag_bj from "../../node_modules/flag-icons/flags/4x3/bj.svg";
import flag_bf from "../../node_modules/flag-icons/flags/4x3/bf.svg";
import flag_bd from "../../node_modules/flag-icons/flags/4x3/bd.svg";
import flag_bg from "../../node_modules/flag-icons/flags/4x3/bg.svg";
import flag_bh from "../../node_modules/flag-icons/flags/4x3/bh.svg";
import flag_bs from "../../node_modules/flag-icons/flags/4x3/bs.svg";
import flag_ba from "../../node_modules/flag-icons/flags/4x3/ba.svg";
import flag_by from "../../node_modules/flag-icons/flags/4x3/by.svg";
import flag_bz from "../../node_modules/flag-icons/flags/4x3/bz.svg";
import flag_bo from "../../node_modules/flag-icons/flags/4x3/bo.svg";
import flag_br from "../../node_modules/flag-icons/flags/4x3/br.svg";
import flag_bb from "../../node_modules/flag-icons/flags/4x3/bb.svg";
import flag_bn from "../../node_modules/flag-icons/flags/4x3/bn.svg";
import flag_bt from "../../node_modules/flag-icons/flags/4x3/bt.svg";
import flag_bw from "../../node_modules/flag-icons/flags/4x3/bw.svg";
import flag_cf from "../../node_modules/flag-icons/flags/4x3/cf.svg";
import flag_ca from "../../node_modules/flag-icons/flags/4x3/ca.svg";
import flag_ch from "../../node_modules/flag-icons/flags/4x3/ch.svg";
import flag_cl from "../../node_modules/flag-icons/flags/4x3/cl.svg";
import flag_cn from "../../node_modules/flag-icons/flags/4x3/cn.svg";
import flag_ci from "../../node_modules/flag-icons/flags/4x3/ci.svg";
import flag_cm from "../../node_modules/flag-icons/flags/4x3/cm.svg";
import flag_cd from "../../node_modules/flag-icons/flags/4x3/cd.svg";
import flag_cg from "../../node_modules/flag-icons/flags/4x3/cg.svg";
import flag_co from "../../node_modules/flag-icons/flags/4x3/co.svg";
import flag_km from "../../node_modules/flag-icons/flags/4x3/km.svg";
import flag_cv from "../../node_modules/flag-icons/flags/4x3/cv.svg";
import flag_cr from "../../node_modules/flag-icons/flags/4x3/cr.svg";
import flag_cu from "../../node_modules/flag-icons/flags/4x3/cu.svg";
import flag_cy from "../../node_modules/flag-icons/flags/4x3/cy.svg";
import flag_cz from "../../node_modules/flag-icons/flags/4x3/cz.svg";
import flag_de from "../../node_modules/flag-icons/flags/4x3/de.svg";
import flag_dj from "../../node_modules/flag-icons/flags/4x3/dj.svg";
import flag_dm from "../../node_modules/flag-icons/flags/4x3/dm.svg";
import flag_dk from "../../node_modules/flag-icons/flags/4x3/dk.svg";
import flag_do from "../../node_modules/flag-icons/flags/4x3/do.svg";
import flag_dz from "../../node_modules/flag-icons/flags/4x3/dz.svg";
import flag_ec from "../../node_modules/flag-icons/flags/4x3/ec.svg";
import flag_eg from "../../node_modules/flag-icons/flags/4x3/eg.svg";
import flag_er from "../../node_modules/flag-icons/flags/4x3/er.svg";
import flag_es from "../../node_modules/flag-icons/flags/4x3/es.svg";
import flag_ee from "../../node_modules/flag-icons/flags/4x3/ee.svg";
import flag_et from "../../node_modules/flag-icons/flags/4x3/et.svg";
import flag_fi from "../../node_modules/flag-icons/flags/4x3/fi.svg";
import flag_fj from "../../node_modules/flag-icons/flags/4x3/fj.svg";
import flag_fr from "../../node_modules/flag-icons/flags/4x3/fr.svg";
import flag_fm from "../../node_modules/flag-icons/flags/4x3/fm.svg";
import flag_ga from "../../node_modules/flag-icons/flags/4x3/ga.svg";
import flag_gb from "../../node_modules/flag-icons/flags/4x3/gb.svg";
import flag_ge from "../../node_modules/flag-icons/flags/4x3/ge.svg";
import flag_gh from "../../node_modules/flag-icons/flags/4x3/gh.svg";
import flag_gn from "../../node_modules/flag-icons/flags/4x3/gn.svg";
import flag_gm from "../../node_modules/flag-icons/flags/4x3/gm.svg";
import flag_gw from "../../node_modules/flag-icons/flags/4x3/gw.svg";
import flag_gq from "../../node_modules/flag-icons/flags/4x3/gq.svg";
import flag_gr from "../../node_modules/flag-icons/flags/4x3/gr.svg";
import flag_gd from "../../node_modules/flag-icons/flags/4x3/gd.svg";
import flag_gt from "../../node_modules/flag-icons/flags/4x3/gt.svg";
import flag_gy from "../../node_modules/flag-icons/flags/4x3/gy.svg";
import flag_hn from "../../node_modules/flag-icons/flags/4x3/hn.svg";
import flag_hr from "../../node_modules/flag-icons/flags/4x3/hr.svg";
import flag_ht from "../../node_modules/flag-icons/flags/4x3/ht.svg";
import flag_hu from "../../node_modules/flag-icons/flags/4x3/hu.svg";
import flag_id from "../../node_modules/flag-icons/flags/4x3/id.svg";
import flag_in from "../../node_modules/flag-icons/flags/4x3/in.svg";
import flag_ie from "../../node_modules/flag-icons/flags/4x3/ie.svg";
import flag_ir from "../../node_modules/flag-icons/flags/4x3/ir.svg";
import flag_iq from "../../node_modules/flag-icons/flags/4x3/iq.svg";
import flag_is from "../../node_modules/flag-icons/flags/4x3/is.svg";
import flag_il from "../../node_modules/flag-icons/flags/4x3/il.svg";
import flag_it from "../../node_modules/flag-icons/flags/4x3/it.svg";
import flag_jm from "../../node_modules/flag-icons/flags/4x3/jm.svg";
import flag_jo from "../../node_modules/flag-icons/flags/4x3/jo.svg";
import flag_jp from "../../node_modules/flag-icons/flags/4x3/jp.svg";
import flag_kz from "../../node_modules/flag-icons/flags/4x3/kz.svg";
import flag_ke from "../../node_modules/flag-icons/flags/4x3/ke.svg";
import flag_kg from "../../node_modules/flag-icons/flags/4x3/kg.svg";
import flag_kh from "../../node_modules/flag-icons/flags/4x3/kh.svg";
import flag_ki from "../../node_modules/flag-icons/flags/4x3/ki.svg";
import flag_kn from "../../node_modules/flag-icons/flags/4x3/kn.svg";
import flag_kr from "../../node_modules/flag-icons/flags/4x3/kr.svg";
import flag_kw from "../../node_modules/flag-icons/flags/4x3/kw.svg";
import flag_la from "../../node_modules/flag-icons/flags/4x3/la.svg";
import flag_lb from "../../node_modules/flag-icons/flags/4x3/lb.svg";
import flag_lr from "../../node_modules/flag-icons/flags/4x3/lr.svg";
import flag_ly from "../../node_modules/flag-icons/flags/4x3/ly.svg";
import flag_lc from "../../node_modules/flag-icons/flags/4x3/lc.svg";
import flag_li from "../../node_modules/flag-icons/flags/4x3/li.svg";
import flag_lk from "../../node_modules/flag-icons/flags/4x3/lk.svg";
import flag_ls from "../../node_modules/flag-icons/flags/4x3/ls.svg";
import flag_lt from "../../node_modules/flag-icons/flags/4x3/lt.svg";
import flag_lu from "../../node_modules/flag-icons/flags/4x3/lu.svg";
import flag_lv from "../../node_modules/flag-icons/flags/4x3/lv.svg";
import flag_ma from "../../node_modules/flag-icons/flags/4x3/ma.svg";
import flag_mc from "../../node_modules/flag-icons/flags/4x3/mc.svg";
import flag_md from "../../node_modules/flag-icons/flags/4x3/md.svg";
import flag_mg from "../../node_modules/flag-icons/flags/4x3/mg.svg";
import flag_mv from "../../node_modules/flag-icons/flags/4x3/mv.svg";
import flag_mx from "../../node_modules/flag-icons/flags/4x3/mx.svg";
import flag_mh from "../../node_modules/flag-icons/flags/4x3/mh.svg";
import flag_mk from "../../node_modules/flag-icons/flags/4x3/mk.svg";
import flag_ml from "../../node_modules/flag-icons/flags/4x3/ml.svg";
import flag_mt from "../../node_modules/flag-icons/flags/4x3/mt.svg";
import flag_mm from "../../node_modules/flag-icons/flags/4x3/mm.svg";
import flag_me from "../../node_modules/flag-icons/flags/4x3/me.svg";
import flag_mn from "../../node_modules/flag-icons/flags/4x3/mn.svg";
import flag_mz from "../../node_modules/flag-icons/flags/4x3/mz.svg";
import flag_mr from "../../node_modules/flag-icons/flags/4x3/mr.svg";
import flag_mu from "../../node_modules/flag-icons/flags/4x3/mu.svg";
import flag_mw from "../../node_modules/flag-icons/flags/4x3/mw.svg";
import flag_my from "../../node_modules/flag-icons/flags/4x3/my.svg";
import flag_na from "../../node_modules/flag-icons/flags/4x3/na.svg";
import flag_ne from "../../node_modules/flag-icons/flags/4x3/ne.svg";
import flag_ng from "../../node_modules/flag-icons/flags/4x3/ng.svg";
import flag_ni from "../../node_modules/flag-icons/flags/4x3/ni.svg";
import flag_nl from "../../node_modules/flag-icons/flags/4x3/nl.svg";
import flag_no from "../../node_modules/flag-icons/flags/4x3/no.svg";
import flag_np from "../../node_modules/flag-icons/flags/4x3/np.svg";
import flag_nr from "../../node_modules/flag-icons/flags/4x3/nr.svg";
import flag_nz from "../../node_modules/flag-icons/flags/4x3/nz.svg";
import flag_om from "../../node_modules/flag-icons/flags/4x3/om.svg";
import flag_pk from "../../node_modules/flag-icons/flags/4x3/pk.svg";
import flag_pa from "../../node_modules/flag-icons/flags/4x3/pa.svg";
import flag_pe from "../../node_modules/flag-icons/flags/4x3/pe.svg";
import flag_ph from "../../node_modules/flag-icons/flags/4x3/ph.svg";
import flag_pw from "../../node_modules/flag-icons/flags/4x3/pw.svg";
import flag_pg from "../../node_modules/flag-icons/flags/4x3/pg.svg";
import flag_pl from "../../node_modules/flag-icons/flags/4x3/pl.svg";
import flag_pf from "../../node_modules/flag-icons/flags/4x3/pf.svg";
import flag_kp from "../../node_modules/flag-icons/flags/4x3/kp.svg";
import flag_pt from "../../node_modules/flag-icons/flags/4x3/pt.svg";
import flag_py from "../../node_modules/flag-icons/flags/4x3/py.svg";
import flag_qa from "../../node_modules/flag-icons/flags/4x3/qa.svg";
import flag_ro from "../../node_modules/flag-icons/flags/4x3/ro.svg";
import flag_ru from "../../node_modules/flag-icons/flags/4x3/ru.svg";
import flag_rw from "../../node_modules/flag-icons/flags/4x3/rw.svg";
import flag_sa from "../../node_modules/flag-icons/flags/4x3/sa.svg";
import flag_sd from "../../node_modules/flag-icons/flags/4x3/sd.svg";
import flag_sn from "../../node_modules/flag-icons/flags/4x3/sn.svg";
import flag_sg from "../../node_modules/flag-icons/flags/4x3/sg.svg";
import flag_sb from "../../node_modules/flag-icons/flags/4x3/sb.svg";
import flag_sl from "../../node_modules/flag-icons/flags/4x3/sl.svg";
import flag_sv from "../../node_modules/flag-icons/flags/4x3/sv.svg";
import flag_sm from "../../node_modules/flag-icons/flags/4x3/sm.svg";
import flag_so from "../../node_modules/flag-icons/flags/4x3/so.svg";
import flag_rs from "../../node_modules/flag-icons/flags/4x3/rs.svg";
import flag_ss from "../../node_modules/flag-icons/flags/4x3/ss.svg";
import flag_st from "../../node_modules/flag-icons/flags/4x3/st.svg";
import flag_sr from "../../node_modules/flag-icons/flags/4x3/sr.svg";
import flag_sk from "../../node_modules/flag-icons/flags/4x3/sk.svg";
import flag_si from "../../node_modules/flag-icons/flags/4x3/si.svg";
import flag_se from "../../node_modules/flag-icons/flags/4x3/se.svg";
import flag_sz from "../../node_modules/flag-icons/flags/4x3/sz.svg";
import flag_sc from "../../node_modules/flag-icons/flags/4x3/sc.svg";
import flag_sy from "../../node_modules/flag-icons/flags/4x3/sy.svg";
import flag_td from "../../node_modules/flag-icons/flags/4x3/td.svg";
import flag_tg from "../../node_modules/flag-icons/flags/4x3/tg.svg";
import flag_th from "../../node_modules/flag-icons/flags/4x3/th.svg";
import flag_tj from "../../node_modules/flag-icons/flags/4x3/tj.svg";
import flag_tm from "../../node_modules/flag-icons/flags/4x3/tm.svg";
import flag_tl from "../../node_modules/flag-icons/flags/4x3/tl.svg";
import flag_to from "../../node_modules/flag-icons/flags/4x3/to.svg";
import flag_tt from "../../node_modules/flag-icons/flags/4x3/tt.svg";
import flag_tn from "../../node_modules/flag-icons/flags/4x3/tn.svg";
import flag_tr from "../../node_modules/flag-icons/flags/4x3/tr.svg";
import flag_tv from "../../node_modules/flag-icons/flags/4x3/tv.svg";
import flag_tz from "../../node_modules/flag-icons/flags/4x3/tz.svg";
import flag_ug from "../../node_modules/flag-icons/flags/4x3/ug.svg";
import flag_ua from "../../node_modules/flag-icons/flags/4x3/ua.svg";
import flag_uy from "../../node_modules/flag-icons/flags/4x3/uy.svg";
import flag_us from "../../node_modules/flag-icons/flags/4x3/us.svg";
import flag_uz from "../../node_modules/flag-icons/flags/4x3/uz.svg";
import flag_va from "../../node_modules/flag-icons/flags/4x3/va.svg";
import flag_vc from "../../node_modules/flag-icons/flags/4x3/vc.svg";
import flag_ve from "../../node_modules/flag-icons/flags/4x3/ve.svg";
import flag_vn from "../../node_modules/flag-icons/flags/4x3/vn.svg";
import flag_vu from "../../node_modules/flag-icons/flags/4x3/vu.svg";
import flag_ws from "../../node_modules/flag-icons/flags/4x3/ws.svg";
import flag_ye from "../../node_modules/flag-icons/flags/4x3/ye.svg";
import flag_za from "../../node_modules/flag-icons/flags/4x3/za.svg";
import flag_zm from "../../node_modules/flag-icons/flags/4x3/zm.svg";
import flag_zw from "../../node_modules/flag-icons/flags/4x3/zw.svg";
import browser_chrome from "../../node_modules/@browser-logos/chrome/chrome.svg";
import browser_chromium from "../../node_modules/@browser-logos/chromium/chromium.svg";
import browser_firefox from "../../node_modules/@browser-logos/firefox/firefox.svg";
import browser_safari from "../../node_modules/@browser-logos/safari/safari.svg";
import browser_edge from "../../node_modules/@browser-logos/edge/edge.svg";
import browser_opera from "../../node_modules/@browser-logos/opera/opera.svg";
import card_amex from "../../node_modules/payment-icons/min/flat/amex.svg";
import card_diners from "../../node_modules/payment-icons/min/flat/diners.svg";
import card_discover from "../../node_modules/payment-icons/min/flat/discover.svg";
import card_elo from "../../node_modules/payment-icons/min/flat/elo.svg";
import card_hipercard from "../../node_modules/payment-icons/min/flat/hipercard.svg";
import card_jcb from "../../node_modules/payment-icons/min/flat/jcb.svg";
import card_maestro from "../../node_modules/payment-icons/min/flat/maestro.svg";
import card_mastercard from "../../node_modules/payment-icons/min/flat/mastercard.svg";
import card_unionpay from "../../node_modules/payment-icons/min/flat/unionpay.svg";
import card_visa from "../../node_modules/payment-icons/min/flat/visa.svg";
import card_default from "../../node_modules/payment-icons/min/flat/default.svg";
import { GLOBE } from "./globe";

const table = (entries: [string, string][]) => new Map(entries);

export const ICONS: ReadonlyMap<string, ReadonlyMap<string, string>> = new Map([
  ["flags", table([
    ["af", flag_af],
    ["ao", flag_ao],
    ["al", flag_al],
    ["ad", flag_ad],
    ["ae", flag_ae],
    ["ar", flag_ar],
    ["am", flag_am],
    ["ag", flag_ag],
    ["au", flag_au],
    ["at", flag_at],
    ["az", flag_az],
    ["bi", flag_bi],
    ["be", flag_be],
    ["bj", flag_bj],
    ["bf", flag_bf],
    ["bd", flag_bd],
    ["bg", flag_bg],
    ["bh", flag_bh],
    ["bs", flag_bs],
    ["ba", flag_ba],
    ["by", flag_by],
    ["bz", flag_bz],
    ["bo", flag_bo],
    ["br", flag_br],
    ["bb", flag_bb],
    ["bn", flag_bn],
    ["bt", flag_bt],
    ["bw", flag_bw],
    ["cf", flag_cf],
    ["ca", flag_ca],
    ["ch", flag_ch],
    ["cl", flag_cl],
    ["cn", flag_cn],
    ["ci", flag_ci],
    ["cm", flag_cm],
    ["cd", flag_cd],
    ["cg", flag_cg],
    ["co", flag_co],
    ["km", flag_km],
    ["cv", flag_cv],
    ["cr", flag_cr],
    ["cu", flag_cu],
    ["cy", flag_cy],
    ["cz", flag_cz],
    ["de", flag_de],
    ["dj", flag_dj],
    ["dm", flag_dm],
    ["dk", flag_dk],
    ["do", flag_do],
    ["dz", flag_dz],
    ["ec", flag_ec],
    ["eg", flag_eg],
    ["er", flag_er],
    ["es", flag_es],
    ["ee", flag_ee],
    ["et", flag_et],
    ["fi", flag_fi],
    ["fj", flag_fj],
    ["fr", flag_fr],
    ["fm", flag_fm],
    ["ga", flag_ga],
    ["gb", flag_gb],
    ["ge", flag_ge],
    ["gh", flag_gh],
    ["gn", flag_gn],
    ["gm", flag_gm],
    ["gw", flag_gw],
    ["gq", flag_gq],
    ["gr", flag_gr],
    ["gd", flag_gd],
    ["gt", flag_gt],
    ["gy", flag_gy],
    ["hn", flag_hn],
    ["hr", flag_hr],
    ["ht", flag_ht],
    ["hu", flag_hu],
    ["id", flag_id],
    ["in", flag_in],
    ["ie", flag_ie],
    ["ir", flag_ir],
    ["iq", flag_iq],
    ["is", flag_is],
    ["il", flag_il],
    ["it", flag_it],
    ["jm", flag_jm],
    ["jo", flag_jo],
    ["jp", flag_jp],
    ["kz", flag_kz],
    ["ke", flag_ke],
    ["kg", flag_kg],
    ["kh", flag_kh],
    ["ki", flag_ki],
    ["kn", flag_kn],
    ["kr", flag_kr],
    ["kw", flag_kw],
    ["la", flag_la],
    ["lb", flag_lb],
    ["lr", flag_lr],
    ["ly", flag_ly],
    ["lc", flag_lc],
    ["li", flag_li],
    ["lk", flag_lk],
    ["ls", flag_ls],
    ["lt", flag_lt],
    ["lu", flag_lu],
    ["lv", flag_lv],
    ["ma", flag_ma],
    ["mc", flag_mc],
    ["md", flag_md],
    ["mg", flag_mg],
    ["mv", flag_mv],
    ["mx", flag_mx],
    ["mh", flag_mh],
    ["mk", flag_mk],
    ["ml", flag_ml],
    ["mt", flag_mt],
    ["mm", flag_mm],
    ["me", flag_me],
    ["mn", flag_mn],
    ["mz", flag_mz],
    ["mr", flag_mr],
    ["mu", flag_mu],
    ["mw", flag_mw],
    ["my", flag_my],
    ["na", flag_na],
    ["ne", flag_ne],
    ["ng", flag_ng],
    ["ni", flag_ni],
    ["nl", flag_nl],
    ["no", flag_no],
    ["np", flag_np],
    ["nr", flag_nr],
    ["nz", flag_nz],
    ["om", flag_om],
    ["pk", flag_pk],
    ["pa", flag_pa],
    ["pe", flag_pe],
    ["ph", flag_ph],
    ["pw", flag_pw],
    ["pg", flag_pg],
    ["pl", flag_pl],
    ["pf", flag_pf],
    ["kp", flag_kp],
    ["pt", flag_pt],
    ["py", flag_py],
    ["qa", flag_qa],
    ["ro", flag_ro],
    ["ru", flag_ru],
    ["rw", flag_rw],
    ["sa", flag_sa],
    ["sd", flag_sd],
    ["sn", flag_sn],
    ["sg", flag_sg],
    ["sb", flag_sb],
    ["sl", flag_sl],
    ["sv", flag_sv],
    ["sm", flag_sm],
    ["so", flag_so],
    ["rs", flag_rs],
    ["ss", flag_ss],
    ["st", flag_st],
    ["sr", flag_sr],
    ["sk", flag_sk],
    ["si", flag_si],
    ["se", flag_se],
    ["sz", flag_sz],
    ["sc", flag_sc],
    ["sy", flag_sy],
    ["td", flag_td],
    ["tg", flag_tg],
    ["th", flag_th],
    ["tj", flag_tj],
    ["tm", flag_tm],
    ["tl", flag_tl],
    ["to", flag_to],
    ["tt", flag_tt],
    ["tn", flag_tn],
    ["tr", flag_tr],
    ["tv", flag_tv],
    ["tz", flag_tz],
    ["ug", flag_ug],
    ["ua", flag_ua],
    ["uy", flag_uy],
    ["us", flag_us],
    ["uz", flag_uz],
    ["va", flag_va],
    ["vc", flag_vc],
    ["ve", flag_ve],
    ["vn", flag_vn],
    ["vu", flag_vu],
    ["ws", flag_ws],
    ["ye", flag_ye],
    ["za", flag_za],
    ["zm", flag_zm],
    ["zw", flag_zw],
  ])],
  ["browsers", table([
    // No maintained package carries Avant or Android WebView Beta: a neutral globe stands in (docs/STATUS.md).
    ["aa", GLOBE], ["an", GLOBE],
    ["ch", browser_chrome], ["ci", browser_chrome], ["cm", browser_chrome], ["cr", browser_chromium],
    ["ff", browser_firefox], ["sf", browser_safari], ["mf", browser_safari], ["ps", browser_edge], ["oi", browser_edge],
    ["om", browser_opera], ["op", browser_opera], ["on", browser_opera],
  ])],
  ["credit-cards", table([
    ["amex", card_amex], ["diners", card_diners], ["discover", card_discover], ["elo", card_elo], ["hipercard", card_hipercard],
    ["jcb", card_jcb], ["maestro", card_maestro], ["mastercard", card_mastercard], ["unionpay", card_unionpay], ["visa", card_visa],
    // Regional cards payment-icons lacks: its generic card stands in (docs/STATUS.md).
    ["argencard", card_default], ["cabal", card_default], ["cencosud", card_default], ["naranja", card_default],
    ["targeta-shopping", card_default], ["mir", card_default], ["rupay", card_default],
  ])],
]);
