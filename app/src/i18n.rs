//! The product's words in Chinese (first) and English. Every message is a variant, so a missing
//! translation is a compile error, and errors can travel from server to phone as a key.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const COOKIE: &'static str = "lang";

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The value stored in the `lang` cookie; anything unknown means Chinese.
    pub fn from_cookie(v: &str) -> Lang {
        match v.trim() {
            "en" => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn cookie_value(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

macro_rules! messages {
    ($($name:ident => $zh:literal, $en:literal;)*) => {
        /// A message the user can read, in either language.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        pub enum Msg { $($name,)* }

        impl Msg {
            /// Inlined in the browser build, so an island's constant messages fold to their two
            /// strings and the other few hundred stay out of the bundle.
            #[cfg_attr(feature = "hydrate", inline(always))]
            pub fn text(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $((Msg::$name, Lang::Zh) => $zh, (Msg::$name, Lang::En) => $en,)*
                }
            }
        }
    };
}

messages! {
    AppName => "节水巡检", "Jieshui inspections";
    AppTagline => "国家节水型城市创建 · 现场检查", "National Water-Saving City · field inspections";
    LanguageName => "中文", "English";
    SwitchLanguage => "English", "中文";
    SwitchLanguageLabel => "切换到英文", "Switch to Chinese";
    MainNav => "主导航", "Main navigation";
    SignIn => "登录", "Sign in";
    SignOut => "退出登录", "Sign out";
    Username => "用户名", "Username";
    Password => "密码", "Password";
    SignInTitle => "登录节水巡检", "Sign in to Jieshui";
    BadCredentials => "用户名或密码不正确。", "The username or password is not correct.";
    TooManyAttempts => "尝试次数过多，请稍后再试。", "Too many attempts. Please wait and try again.";
    WaitSeconds => "请等待（秒）：", "Wait (seconds): ";
    SignedOut => "您已退出登录。", "You have signed out.";
    SessionExpired => "请先登录。", "Please sign in first.";
    SignedInAs => "当前用户", "Signed in as";
    MyAccount => "我的账户", "My account";
    ChangePassword => "修改密码", "Change password";
    CurrentPassword => "当前密码", "Current password";
    RepeatNewPassword => "再次输入新密码", "New password again";
    PasswordsDiffer => "两次输入的新密码不一致。", "The two new passwords differ.";
    CurrentPasswordWrong => "当前密码不正确。", "The current password is not right.";
    PasswordChanged => "密码已修改。您在其他设备上的登录已全部退出。", "Password changed. You are signed out on every other device.";
    PasswordHint => "至少 10 个字符，不能与用户名相同。", "At least 10 characters, not the username.";
    RoleInspector => "检查员", "Inspector";
    RoleSupervisor => "审核人", "Supervisor";
    RoleAdmin => "管理员", "Administrator";
    AllDistricts => "全市", "Whole city";
    // Sections
    NavToday => "今日", "Today";
    NavChecks => "检查", "Checks";
    NavSync => "同步", "Sync";
    NavReview => "审核", "Review";
    NavDashboard => "指标", "Dashboard";
    NavLedgers => "台账", "Ledgers";
    NavUsers => "用户", "Users";
    NavRules => "规则", "Rules";
    NavSites => "网点", "Sites";
    NavRectifications => "整改", "Orders";
    NavAudit => "日志", "Audit";
    TitleToday => "今日任务", "Today";
    TitleChecks => "我的检查", "My checks";
    TitleSync => "离线同步", "Sync";
    TitleReview => "待审核", "Review";
    TitleDashboard => "指标看板", "Dashboard";
    TitleLedgers => "台账", "Ledgers";
    TitleUsers => "用户管理", "Users";
    TitleRules => "规则与标准", "Rules";
    TitleSites => "网点与单位", "Sites";
    TitleRectifications => "整改跟踪", "Rectification orders";
    TitleAudit => "审计日志", "Audit log";
    AboutToday => "这里将列出您今天要去的销售网点、小区和单位，按离您的距离排序，并可直接开始一次检查。",
        "This page will list the shops, communities and units to visit today, nearest first, with a button to start a check at each.";
    AboutChecks => "这里将列出您做过和正在做的市场抽检与审核，以及审核人退回要求补充的记录。",
        "This page will list the market spot checks and audits you have done or are doing, and those a supervisor sent back.";
    AboutSync => "这里将显示尚未上传的检查和照片；没有信号时记录保存在手机上，恢复网络后自动上传。",
        "This page will show checks and photos not yet uploaded; without signal they are kept on the phone and sent when the network returns.";
    AboutReview => "这里将列出检查员提交的记录，附照片、位置和时间，供您通过、退回或下达整改。",
        "This page will list submitted findings with their photos, positions and times, for you to approve, return or order rectification.";
    AboutDashboard => "这里将显示市场抽检覆盖率、节水型器具占比、节水型小区和单位覆盖率，每个数字都可追溯到原始记录。",
        "This page will show spot-check coverage, the water-saving share and community and unit coverage, each figure linked to its records.";
    AboutLedgers => "这里将生成迎检台账：按网点、小区、单位列出检查记录、照片和整改情况，可导出。",
        "This page will produce the assessment ledgers: checks, photos and rectifications by shop, community and unit, ready to export.";
    AboutRules => "这里将维护水效等级阈值、水效标识目录日期、审核评分表和指标目标值，每项带生效日期和来源。",
        "This page will hold water-efficiency grade thresholds, label catalogue dates, audit score sheets and indicator targets, each with an effective date and source.";
    AboutSites => "这里将维护销售网点、门店、小区、单位和企业名录，支持批量导入和年度统计数据。",
        "This page will hold the registry of venues, shops, communities, units and enterprises, with bulk import and yearly statistics.";
    RulesHelp => "判定市场抽检器具是否节水的规则。每个版本自生效日起适用；已记录的判定保留产生它的版本，新版本不会改变它们。",
        "The rules that judge whether a fixture on sale is water-saving. Each version applies from its effective day; a recorded verdict keeps the version that produced it, and a new version never changes it.";
    RulesVersion => "版本", "Version";
    RulesInForce => "现行", "In force";
    RulesToday => "今天", "Today";
    NewRulesVersion => "新建规则版本", "New rules version";
    NewRulesHelp => "新版本以最新版本为底稿，自生效日起用于新的判定；已记录的判定不变。留空的日期或限值表示没有。",
        "A new version starts from the latest one and judges from its effective day; verdicts already recorded do not change. A date or limit left empty means none.";
    SaveRulesVersion => "保存新版本", "Save the new version";
    BasedOnVersion => "底稿：", "Starting from:";
    RulesCreated => "已保存新的规则版本：", "New rules version saved:";
    RulesFormProblem => "请修改标出的一项：", "Please correct the marked field:";
    SavingUpTo => "节水型等级（1 级至）", "Water-saving grades (1 to)";
    GradeLimit => "级限值", "grade limit";
    SecondFigure => "第二项数值", "second figure";
    EvidenceRulesTitle => "照片证据规则", "Photo evidence rules";
    EditingApps => "视为编辑软件的名称（每行一个）", "Software names that mean an editor (one per line)";
    ExifOffset => "EXIF 时间无时区时假定的时区", "Offset assumed for EXIF times without one";
    EffectiveFrom => "生效日期", "Effective from";
    RulesSource => "依据", "Source";
    WaterSavingGrades => "节水型等级", "Water-saving grades";
    GradeLimits => "各等级限值", "Limit per grade";
    NoGradeLimits => "限值未录入：只按标识等级判定。", "No limits entered: judged by the label's grade alone.";
    LabelFrom => "须加贴标识自", "Label required from";
    OldStockUntil => "旧库存可售至", "Old stock on sale until";
    NoLabelDuty => "不在水效标识目录内：按数值判定。", "Not in the label catalogue: judged by its figure.";
    PhaseOutBeyond => "淘汰限值", "Phased out beyond";
    ComingWith => "该功能随后续版本上线。", "This arrives with a later release.";
    RegisteredSites => "已登记", "Registered";
    // Users admin
    UsersList => "全部用户", "All users";
    NewUser => "新建用户", "New user";
    DisplayName => "姓名", "Full name";
    Role => "角色", "Role";
    District => "区域", "District";
    InitialPassword => "初始密码", "Initial password";
    NewPassword => "新密码", "New password";
    Create => "创建", "Create";
    ResetPassword => "重置密码", "Reset password";
    Deactivate => "停用", "Deactivate";
    Reactivate => "启用", "Reactivate";
    Active => "在用", "Active";
    Inactive => "已停用", "Deactivated";
    UserCreated => "用户已创建。", "User created.";
    PasswordWasReset => "密码已重置，该用户需要重新登录。", "Password reset; the user must sign in again.";
    UserDeactivated => "用户已停用。", "User deactivated.";
    UserReactivated => "用户已启用。", "User reactivated.";
    Saving => "正在保存…", "Saving…";
    Loading => "正在加载…", "Loading…";
    You => "（您）", "(you)";
    // Sites
    KindVenue => "销售网点", "Sales venue";
    KindShop => "门店", "Shop";
    KindCommunity => "居民小区", "Residential community";
    KindUnit => "单位", "Unit";
    KindEnterprise => "企业", "Enterprise";
    KindPublicBuilding => "公共建筑", "Public building";
    UnitGovernment => "机关", "Government office";
    UnitSchool => "学校", "School";
    UnitHospital => "医院", "Hospital";
    UnitHotel => "宾馆", "Hotel";
    UnitCommerce => "商业", "Commerce";
    UnitOther => "其他", "Other";
    SiteKindUnknown => "类型无效：应为销售网点、门店、居民小区、单位、企业或公共建筑。",
        "Unknown kind: use venue, shop, community, unit, enterprise or public_building.";
    ExternalCodeRequired => "请填写外部编码（用于重复导入时更新）。", "Enter the external code (used to update on re-import).";
    ExternalCodeDuplicate => "外部编码在文件中重复。", "This external code appears more than once in the file.";
    TooLong => "内容过长。", "Too long.";
    SiteNameRequired => "请填写名称。", "Enter the name.";
    DistrictRequired => "请填写区县。", "Enter the district.";
    CoordSystemUnknown => "坐标系无效：应为 WGS84、GCJ02（高德/腾讯）或 BD09（百度）。",
        "Unknown coordinate system: use WGS84, GCJ02 (Amap/Tencent) or BD09 (Baidu).";
    LatInvalid => "纬度无效：应为 -90 到 90 之间的数字。", "Invalid latitude: a number from -90 to 90.";
    LonInvalid => "经度无效：应为 -180 到 180 之间的数字。", "Invalid longitude: a number from -180 to 180.";
    PositionOutsideChina => "位置不在中国境内，经纬度可能填反了。", "The position is outside China; latitude and longitude may be swapped.";
    GeofenceInvalid => "地理围栏半径应为 10 到 5000 米的整数。", "The geofence radius is a whole number from 10 to 5000 metres.";
    CreditCodeInvalid => "统一社会信用代码无效（18 位，校验位不符）。", "Invalid unified social credit code (18 characters with a check character).";
    HouseholdsInvalid => "户数应为正整数。", "Households must be a positive whole number.";
    HouseholdsRequired => "居民小区必须填写户数。", "A residential community needs its number of households.";
    WaterUseInvalid => "年用水量应为非负数字（立方米）。", "Annual water use is a non-negative number (m³).";
    WaterUseRequired => "单位和企业必须填写年用水量。", "Units and enterprises need their annual water use.";
    UnitTypeUnknown => "单位类型无效：应为机关、学校、医院、宾馆、商业或其他。", "Unknown unit type: government, school, hospital, hotel, commerce or other.";
    UnitTypeRequired => "单位必须填写单位类型。", "A unit needs its type.";
    ParentOnlyForShops => "只有门店可以填写所属市场。", "Only a shop can be inside a venue.";
    ParentUnknown => "所属市场的外部编码不存在。", "No venue has this external code.";
    DistrictUnknown => "区县不存在：请填写区县代码或名称。", "Unknown district: use its code or name.";
    FileUnreadable => "文件无法读取：请上传 CSV（UTF-8 或 GBK）或 XLSX 文件。", "The file cannot be read: upload a CSV (UTF-8 or GBK) or XLSX file.";
    FileEmpty => "文件中没有数据行。", "The file has no data rows.";
    FileTooLarge => "文件过大。", "The file is too large.";
    ColumnMissing => "缺少必需的列。", "A required column is missing.";
    LevelNational => "国家级", "National";
    LevelProvincial => "省级", "Provincial";
    LevelCity => "市级", "City";
    DateInvalid => "日期无效：请按 年-月-日 填写，例如 2022-06-30。", "Invalid date: use year-month-day, e.g. 2022-06-30.";
    DocumentNoRequired => "请填写文号。", "Enter the document number.";
    ValidUntilBeforeAward => "有效期不能早于授予日期。", "Valid-until cannot be before the award date.";
    TitleLevelUnknown => "请选择称号级别。", "Choose the title's level.";
    YearInvalid => "年份应在 2000 到 2100 之间。", "The year is between 2000 and 2100.";
    FigureInvalid => "数值应为非负数字。", "A figure is a non-negative number.";
    SourceRequired => "填写了数值就要注明来源。", "A figure needs its source.";
    NoFileChosen => "请选择要导入的文件。", "Choose a file to import.";
    SearchSites => "搜索名称、地址或编码", "Search name, address or code";
    Search => "搜索", "Search";
    Filter => "筛选", "Filter";
    Kind => "类型", "Kind";
    AnyKind => "全部类型", "All kinds";
    AnyDistrict => "全部区县", "All districts";
    State => "状态", "State";
    StateActive => "在册", "Active";
    StateClosed => "已关闭", "Closed";
    StateAll => "全部", "All";
    SitesFound => "个结果", "results";
    NoSites => "没有符合条件的记录。", "Nothing matches.";
    PrevPage => "上一页", "Previous";
    NextPage => "下一页", "Next";
    ImportSites => "批量导入", "Import";
    YearlyStatsTitle => "年度统计", "Yearly statistics";
    ImportTitle => "批量导入网点", "Import sites";
    ImportHelp => "上传 CSV（UTF-8 或 GBK 编码，Excel 另存为 CSV 即可）或 XLSX 文件。先检查整份文件，全部无误后才会导入；按“类型 + 外部编码”更新已有记录，重复导入不会产生重复数据。",
        "Upload a CSV (UTF-8 or GBK, as Excel saves it) or an XLSX file. The whole file is checked first and nothing is written unless all of it is valid; rows update existing sites by kind and external code, so importing again never duplicates.";
    File => "文件", "File";
    DefaultKind => "默认类型（文件没有“类型”列时使用）", "Default kind (when the file has no kind column)";
    UploadAndCheck => "上传并检查", "Upload and check";
    Templates => "下载模板", "Templates";
    TemplateFor => "模板：", "Template: ";
    ImportInvalid => "文件有问题，未导入任何数据。请修改后重新上传。问题数：", "The file has problems; nothing was imported. Fix them and upload again. Problems: ";
    Row => "行", "Row";
    Column => "列", "Column";
    Problem => "问题", "Problem";
    WholeFile => "整个文件", "Whole file";
    ImportReady => "检查通过，尚未导入。", "The file is valid and not yet imported.";
    Rows => "行数", "Rows";
    WillCreate => "将新增", "Will create";
    WillUpdate => "将更新", "Will update";
    ConfirmImport => "确认导入", "Import now";
    ImportDone => "导入完成。", "Imported.";
    Created => "新增", "Created";
    Updated => "更新", "Updated";
    BackToSites => "返回网点列表", "Back to the sites";
    UploadAnother => "再导入一个文件", "Import another file";
    SiteDetails => "基本信息", "Details";
    ExternalCode => "外部编码", "External code";
    Address => "地址", "Address";
    Position => "位置（WGS-84）", "Position (WGS-84)";
    EnteredAs => "录入坐标", "Entered as";
    Geofence => "地理围栏半径", "Geofence radius";
    Contact => "联系人", "Contact";
    CreditCode => "统一社会信用代码", "Credit code";
    Households => "户数", "Households";
    WaterUse => "年用水量（立方米）", "Annual water use (m³)";
    UnitType => "单位类型", "Unit type";
    InsideVenue => "所属市场", "Inside venue";
    ClosedOn => "关闭日期", "Closed on";
    CloseSite => "关闭（保留历史）", "Close (history kept)";
    ReopenSite => "重新启用", "Reopen";
    Titles => "节水称号", "Water-saving titles";
    NoTitles => "暂无称号。", "No titles yet.";
    AddTitle => "添加称号", "Add title";
    TitleLevel => "级别", "Level";
    AwardedOn => "授予日期", "Awarded on";
    DocumentNo => "文号", "Document number";
    ValidUntil => "有效期至（可空）", "Valid until (optional)";
    TitleAdded => "称号已添加。", "Title added.";
    CountsForCoverage => "计入覆盖率", "counts for coverage";
    Inspections => "检查记录", "Inspections";
    NoInspectionsYet => "暂无检查记录。", "No inspections yet.";
    Year => "年份", "Year";
    UrbanHouseholds => "城区居民总户数", "Urban resident households";
    NonresWater => "非居民公共供水量（立方米，不含工业）", "Non-residential public-supply water use (m³, excl. industry)";
    IndustrialWater => "工业用水量（立方米）", "Industrial water use (m³)";
    Source => "来源", "Source";
    SaveYear => "保存该年数据", "Save this year";
    StatsSaved => "已保存：", "Saved: ";
    NoStats => "尚未录入任何年份。", "No year entered yet.";
    StatsHelp => "这些数字是覆盖率指标的分母，每个数字都要注明来源（如统计年鉴、供水公司报表）。", "These are the denominators of the coverage indicators; give each figure its source (statistical yearbook, water company report).";
    NearbyTitle => "附近网点", "Nearby sites";
    UseMyLocation => "按我的位置排序", "Sort by my location";
    Locating => "正在定位…", "Locating…";
    LocationDenied => "无法获取位置：定位权限被拒绝。仍可按名称搜索；要按距离排序，请在浏览器设置中允许定位。", "No position: location permission was denied. You can still search by name; allow location in the browser settings to sort by distance.";
    LocationUnavailable => "无法获取位置（信号弱或超时）。仍可按名称搜索。", "No position (weak signal or timeout). You can still search by name.";
    LocationNeedsScript => "按距离排序需要开启定位；当前仅可按名称搜索。", "Sorting by distance needs location; for now you can search by name.";
    Accuracy => "定位精度约", "Accuracy about";
    Metres => "米", "m";
    Km => "公里", "km";
    SortedByDistance => "按距离排序，位置来自本机", "Sorted by distance from this phone";
    SortedByName => "按名称排序", "Sorted by name";
    NewSite => "新建网点", "New site";
    EditSite => "编辑", "Edit";
    EditSiteTitle => "编辑网点", "Edit site";
    Save => "保存", "Save";
    SiteSaved => "已保存。", "Saved.";
    CoordSystem => "坐标系", "Coordinate system";
    CoordWgs84 => "WGS-84（GPS、手机定位）", "WGS-84 (GPS, phone location)";
    CoordGcj02 => "GCJ-02（高德、腾讯地图）", "GCJ-02 (Amap, Tencent maps)";
    CoordBd09 => "BD-09（百度地图）", "BD-09 (Baidu maps)";
    Latitude => "纬度", "Latitude";
    Longitude => "经度", "Longitude";
    Name => "名称", "Name";
    ExternalCodeHint => "外部编码（留空则自动生成）", "External code (generated when empty)";
    HouseholdsHint => "户数（居民小区必填）", "Households (communities)";
    WaterUseHint => "年用水量，立方米（单位、企业必填）", "Annual water use, m³ (units, enterprises)";
    UnitTypeHint => "单位类型（单位必填）", "Unit type (units)";
    ParentHint => "所属市场的外部编码（仅门店）", "External code of the venue (shops only)";
    GeofenceHint => "地理围栏半径（米）", "Geofence radius (m)";
    ExternalCodeTaken => "已有同类型的网点使用这个外部编码。", "Another site of this kind already has this external code.";
    FixProblems => "请修改标出的项目：", "Please fix the marked fields:";
    PhotoNotImage => "不是照片文件：请上传 JPEG、PNG、WebP 或 HEIC 照片。", "Not a photo: upload a JPEG, PNG, WebP or HEIC image.";
    PhotoEmpty => "照片文件是空的，请重新拍摄。", "The photo file is empty; take it again.";
    PhotoTooLarge => "照片文件过大。", "The photo file is too large.";
    PhotoTooManyPixels => "照片像素过大，无法处理。", "The photo has too many pixels to process.";
    PhotoCorrupt => "照片已损坏或不完整，请重新上传。", "The photo is damaged or incomplete; upload it again.";
    PhotoIdTaken => "这个照片编号已用于另一张照片。", "This photo id already belongs to another photo.";
    PhotoBadField => "照片信息有误（编号、位置或时间格式不对）。", "The photo's details are malformed (id, position or time).";
    InspectionUnknown => "找不到这次检查。", "That inspection does not exist.";
    AlreadySubmitted => "这次检查已提交，不能再修改。", "This check has been submitted and can no longer be changed.";
    LineIdTaken => "这个产品编号已用于另一次检查。", "This line id already belongs to another check.";
    NotMarketCheck => "这不是市场抽检记录。", "This is not a market spot check.";
    OnlyOwnDraft => "只有这次检查的检查员可以修改或提交它。", "Only the inspector of this check may change or submit it.";
    ShopFrontPhotoNeeded => "请先拍摄店面照片再提交。", "Take a photo of the shop front before submitting.";
    SiteUnknown => "找不到该网点。", "That site does not exist.";
    SiteClosedNoInspection => "该网点已停业，不能再开始新的检查。", "That site is closed: no new inspection can start there.";
    ShowMoreSites => "显示更多网点", "Show more sites";
    CheckNotStarted => "未能开始检查", "The check did not start";
    FlagNoPosition => "没有任何位置信息（手机未定位，照片也不含 GPS）。", "No position at all (no phone fix, no GPS in the photo).";
    FlagPoorAccuracy => "手机定位精度差，误差约（米）：", "Poor phone fix; accuracy (m): ";
    FlagDeviceFar => "拍摄时手机不在网点范围内，距网点（米）：", "The phone was outside the site's geofence; distance (m): ";
    FlagExifFar => "照片自带的 GPS 位置不在网点范围内，距网点（米）：", "The photo's own GPS is outside the site's geofence; distance (m): ";
    FlagDisagree => "照片 GPS 与手机定位不一致，相差（米）：", "Photo GPS and phone position disagree by (m): ";
    FlagTimeCapture => "照片拍摄时间与上传时记录的时间相差：", "Photo time differs from capture time by ";
    FlagTimeReceipt => "照片拍摄时间与服务器收到时间相差过大：", "Photo time is far from when the server received it: ";
    FlagDuplicate => "同一张照片已用于其他检查，次数：", "The same photo was used in other inspections: ";
    FlagEdited => "照片经过编辑软件处理：", "Edited with: ";
    PhotoTitle => "照片证据", "Photo evidence";
    TakenAt => "拍摄时间（照片记录）", "Taken (from the photo)";
    ExifFromPhone => "照片记录（拍摄时间、GPS、相机）由手机在压缩前从原图读取；服务器保存的是压缩后的照片。", "The photo's own facts (time taken, GPS, camera) were read by the phone from the original before it was downscaled; the server keeps the downscaled copy.";
    OffsetAssumed => "（照片未记录时区，按北京时间）", "(no time zone in the photo; China time assumed)";
    FixAt => "定位时间", "Position measured at";
    CapturedAt => "拍摄时间（手机记录）", "Captured (phone clock)";
    ReceivedAt => "服务器收到时间", "Received by the server";
    PhotoGps => "照片 GPS", "Photo GPS";
    PhonePosition => "手机定位", "Phone position";
    DistanceToSite => "距网点", "Distance to site";
    Camera => "相机", "Camera";
    Software => "软件", "Software";
    OriginalSha256 => "原图 SHA-256（手机计算）", "Original's SHA-256 (computed on the phone)";
    Sha256 => "SHA-256 指纹", "SHA-256 fingerprint";
    FileSize => "文件", "File";
    NoFlags => "未发现异常。", "Nothing unusual found.";
    FlagsTitle => "需要注意", "Worth a look";
    NoPreview => "该格式（HEIC）暂无预览，原件已完整保存。", "No preview for this format (HEIC); the original is stored intact.";
    OpenOriginal => "查看原图", "Open the original";
    Unknown => "未知", "unknown";
    StartCheck => "开始检查", "Start a check";
    TakePhoto => "拍照", "Take photos";
    PreparingPhoto => "正在压缩照片…", "Preparing the photo…";
    UploadingPhoto => "上传中", "Uploading";
    UploadedPhoto => "已上传", "Uploaded";
    UploadFailed => "上传失败：", "Upload failed: ";
    RetryingUpload => "网络中断，稍后自动重试…", "Connection lost; retrying shortly…";
    UploadStalled => "多次重试仍未发出，照片仍保存在本页。", "Still not sent after several tries; the photo is kept on this page.";
    TapToRetry => "点此重试", "Tap to retry";
    PhotosTitle => "照片", "Photos";
    NoPhotos => "还没有照片。", "No photos yet.";
    StartedAt => "开始时间", "Started";
    ViewPhoto => "查看照片", "View photo";
    FlagsCount => "项需注意", "to look at";
    InspectionTitle => "检查", "Check";
    // The visit (market spot check)
    ShopFrontPhotos => "店面照片", "Shop-front photos";
    ProductLines => "在售产品", "Products on sale";
    Submitted => "已提交", "Submitted";
    DraftStatus => "草稿（未提交）", "Draft (not submitted)";
    ReturnedStatus => "已退回修改", "Returned for changes";
    ApprovedStatus => "已审核通过", "Approved";
    NotInThisState => "记录当前的状态不允许这样做。", "The record's current state does not allow this.";
    OnlyDistrictSupervisor => "只有本辖区的审核人可以审核这条记录。", "Only a supervisor of the record's district may review it.";
    ReturnNeedsComment => "退回时请写明需要修改的内容。", "Say what must change when returning a record.";
    CorrectNeedsReason => "更正处理结果时请选择结果并写明理由。", "Choose the outcome and give the reason for the correction.";
    UnknownReviewAction => "审核操作只能是通过、退回或更正。", "The review action must be approve, return or correct.";
    CommentLineUnknown => "评论所指的产品不在这条记录中。", "A comment names a product line that is not on this record.";
    CommentTooLong => "评论过长。", "A comment is too long.";
    QueueEmpty => "没有等待审核的记录。", "Nothing is waiting for review.";
    WaitingForReview => "条记录等待审核（最早提交的在前）", "records waiting for review (oldest first)";
    Resubmitted => "提交轮次", "Round";
    RectificationUnknown => "没有这张未关闭的整改单（或不在这家网点）。", "No such open rectification order at this site.";
    RectifyByAfterVisit => "不合格的处理结果需要晚于检查日期的整改期限。", "A non-compliant outcome needs a deadline after the day of the check.";
    ReviewPanelTitle => "审核", "Review";
    Approve => "审核通过", "Approve";
    ReturnForChanges => "退回修改", "Return for changes";
    CommentOnWhole => "总体意见", "Comment on the whole record";
    CommentOnLine => "对此产品的意见", "Comment on this product";
    CorrectOutcome => "更正处理结果", "Correct the outcome";
    CorrectionReason => "更正理由", "Reason for the correction";
    NewOutcome => "更正后的处理结果", "Corrected outcome";
    StartPosition => "开始检查时的位置", "Where the check began";
    InsideGeofence => "在网点范围内", "inside the site's geofence";
    OutsideGeofence => "超出网点范围", "outside the site's geofence";
    NoStartPosition => "开始检查时没有取得位置。", "No position when the check began.";
    FromSite => "距网点", "from the site";
    GeofenceRadius => "范围半径", "geofence";
    NoPhotoPosition => "无位置", "no position";
    PhotoEvidence => "照片证据", "Photo evidence";
    HistoryTitle => "审核记录", "Review history";
    NoHistory => "还没有审核意见。", "No decisions yet.";
    ActionApproved => "通过", "Approved";
    ActionReturned => "退回", "Returned";
    ActionCorrected => "更正", "Corrected";
    DownloadCsv => "下载 CSV", "Download CSV";
    ReturnedComments => "审核人退回意见", "The supervisor's comments";
    SupervisorSays => "审核意见：", "Supervisor:";
    RectificationOrder => "整改单", "Rectification order";
    DueBy => "整改期限", "Due";
    Overdue => "已逾期", "Overdue";
    OrderOpen => "未关闭", "Open";
    OrderClosed => "已关闭", "Closed";
    Reinspect => "复查", "Re-inspect";
    ReinspectionOf => "本次为复查，对应整改单", "A re-inspection for the order";
    ClosedByReinspection => "复查记录", "Closed by the re-inspection";
    OpenedByCheck => "来源检查", "Opened by the check";
    NoOpenOrders => "没有未关闭的整改单。", "No open rectification orders.";
    NoOrders => "没有整改单。", "No rectification orders.";
    ShowClosedOrders => "显示已关闭的整改单", "Show closed orders too";
    ShowOpenOrders => "只看未关闭的", "Open orders only";
    DecisionRecorded => "已记录审核结果。", "The decision is recorded.";
    BulkApprove => "全部通过（无违规、照片无异常的记录）", "Approve all without violations or flagged photos";
    BulkApproved => "条已通过", "approved";
    BulkSkipped => "条需逐条审核", "left to review one by one";
    AnyInspector => "全部检查员", "All inspectors";
    WaitingAtLeastDays => "至少等待（天）", "Waiting at least (days)";
    OnlyFlagged => "只看照片有异常的", "Only with flagged photos";
    ChainIntact => "哈希链完整", "The hash chain is intact";
    ChainBroken => "哈希链断裂", "The hash chain is broken";
    EntriesCount => "条记录", "entries";
    HeadHash => "最新一条的哈希（请另行记下，以便日后核对）", "The newest entry's hash (note it elsewhere to check against later)";
    EntryAltered => "被改动", "was altered";
    EntryRemoved => "被删除", "was removed";
    EntryInserted => "被插入", "was inserted";
    LatestEntries => "最近的记录", "Latest entries";
    DownloadWholeLog => "下载完整日志（CSV）", "Download the whole log (CSV)";
    ReturnedToYou => "退回待修改", "Returned to you";
    AuditActor => "操作人", "By";
    AuditAction => "操作", "Action";
    AuditSubject => "对象", "Subject";
    AuditTime => "时间", "When";
    AuditTrailTitle => "操作日志", "Audit trail";
    FilingNo => "备案号", "Filing number";
    ScanFilingNo => "扫描标识二维码", "Scan the label's QR code";
    OutcomeTitle => "处理结果", "Outcome";
    SuggestedOutcome => "系统建议：", "Suggested:";
    ConfirmOutcome => "确认处理结果", "Confirm the outcome";
    OutcomeNote => "说明（与建议不同时必填）", "Note (required when it differs from the suggestion)";
    RectifyBy => "整改期限", "Rectify by";
    DraftSaved => "已保存到服务器", "Saved to the server";
    DraftSaving => "正在保存…", "Saving…";
    DraftOnPhone => "已保存在手机上，联网后自动上传", "Kept on the phone; it uploads when there is a connection";
    LinesWaiting => "条产品待上传", "lines waiting";
    PhotosWaiting => "张照片待上传", "photos waiting";
    DraftMerged => "已合并手机和服务器上的记录（同一产品以较晚的修改为准）。", "The phone's copy and the server's were merged (for each line the later edit wins).";
    AddLine => "添加产品（选择类别）", "Add a product (choose its category)";
    EditLine => "编辑", "Edit";
    DoneEditing => "完成", "Done";
    Brand => "品牌", "Brand";
    Model => "型号", "Model";
    Manufacturer => "生产企业", "Manufacturer";
    LabelPresent => "有水效标识", "Carries the water-efficiency label";
    GradeShown => "标识上的水效等级", "Grade on the label";
    QuantityOnDisplay => "陈列数量", "Quantity on display";
    PhasedOutType => "属于淘汰类型", "A phased-out type";
    LineNote => "备注", "Note";
    LinePhoto => "拍标识/产品照片", "Photograph the label or product";
    LinePhotosSaved => "张照片已上传", "photos uploaded";
    RemoveLine => "删除此产品", "Remove this product";
    ConfirmRemoveLine => "再点一次确认删除", "Tap again to remove";
    NotANumber => "请输入数字，如 4.8", "Enter a number, such as 4.8";
    NoRulesInForce => "检查当天没有生效的判定规则，无法判定。", "No rules were in force on the day of the check.";
    SubmitCheck => "提交检查", "Submit the check";
    LinesCount => "个产品", "lines";
    ViolationsCount => "个不合格", "not water-saving";
    MyChecksTitle => "我的检查", "My checks";
    ChecksToday => "今天", "Today";
    ChecksDrafts => "未提交的草稿", "Drafts not yet submitted";
    ChecksSubmitted => "已提交", "Submitted";
    NoChecksYet => "还没有检查记录。在上面的网点列表中点“开始检查”。", "No checks yet. Tap “Start check” at a site above.";
    EarlierChecks => "历次检查", "Earlier checks";
    SubmitNeedsConnection => "提交需要联网；记录已保存在手机上。", "Submitting needs a connection; the record is kept on the phone.";
    // Validation and errors
    UsernameRequired => "请填写用户名。", "Enter a username.";
    UsernameLength => "用户名长度应为 3–32 个字符。", "A username has 3 to 32 characters.";
    UsernameChars => "用户名以小写字母开头，只能包含小写字母、数字、点、下划线和连字符。",
        "A username starts with a lower-case letter and holds only lower-case letters, digits, '.', '_' and '-'.";
    UsernameTaken => "该用户名已被使用。", "That username is taken.";
    DisplayNameRequired => "请填写姓名。", "Enter the person's name.";
    DisplayNameInvalid => "姓名最多 40 个字符，且不能包含控制字符。", "A name has at most 40 characters and no control characters.";
    PasswordTooShort => "密码至少 10 个字符。", "A password has at least 10 characters.";
    PasswordTooLong => "密码最多 128 个字符。", "A password has at most 128 characters.";
    PasswordIsUsername => "密码不能与用户名相同。", "The password must differ from the username.";
    UnknownRole => "请选择有效的角色。", "Choose a valid role.";
    UnknownDistrict => "请选择有效的区域。", "Choose a valid district.";
    CannotDeactivateSelf => "不能停用自己的账号。", "You cannot deactivate your own account.";
    LastAdmin => "至少要保留一个在用的管理员。", "At least one active administrator must remain.";
    NotSignedIn => "请先登录。", "Please sign in first.";
    Forbidden => "您的角色无权访问此页面或操作。", "Your role may not open this page or do this.";
    ForbiddenTitle => "无权访问", "Not allowed";
    NotFound => "找不到该记录。", "That record does not exist.";
    NotFoundTitle => "页面不存在", "Page not found";
    NotFoundBody => "您访问的地址不存在，可能已被移动。", "The address you opened does not exist or has moved.";
    BackHome => "返回首页", "Back to home";
    InternalError => "服务器内部错误，请稍后重试。如多次出现，请把错误编号告诉管理员：",
        "Something went wrong on the server. Try again later; if it keeps happening, give the administrator this error number: ";
    NetworkError => "网络连接失败，请检查信号后重试。", "The network failed. Check the signal and try again.";
    BadRequest => "提交的内容无效。", "What was sent is not valid.";
    ErrorTitle => "出错了", "Something went wrong";
    BusyTitle => "服务器正忙", "The server is busy";
    Busy => "请求太多或处理太慢，请几秒后重试。", "Too many requests, or this one took too long. Try again in a few seconds.";
    BodyTooLargeTitle => "提交的内容过大", "What was sent is too large";
    BodyTooLarge => "提交的内容超过了服务器允许的大小。", "What was sent is larger than the server accepts.";
    UploadTooSlowTitle => "上传太慢", "The upload was too slow";
    UploadTooSlow => "网络太慢，上传已中断。请在信号更好的地方重试，照片仍保存在手机上。",
        "The network was too slow and the upload stopped. Try again where the signal is better; the photo is still on the phone.";
    StartAudit => "开始评审", "Start an audit";
    ScoreSheetsTitle => "评审评分表", "Audit score sheets";
    FullMarks => "给满分", "Full marks";
    ScoreSheetsHelp => "每类场所一张评分表。修改后保存为新版本，从生效日期起用于新开始的评审；已保存或已提交的评审始终按其原版本计分。",
        "One score sheet per kind of site. A change is saved as a new version, used from its effective date by audits begun after it; an audit already saved or submitted keeps the version it was scored with.";
    SheetVersions => "版本", "Versions";
    NewSheetVersion => "新建评分表版本", "New score sheet version";
    SaveSheetVersion => "保存为新版本", "Save as a new version";
    SheetSaved => "评分表新版本已保存：", "New score sheet version saved:";
    ItemMax => "满分", "Maximum points";
    PhotosNeeded => "需要照片数", "Photos needed";
    MayBeNa => "可标为不适用", "May be not applicable";
    RemoveItem => "删除此项", "Remove this item";
    DeductPerUnit => "每差 1 个单位扣分", "Points off per unit short";
    FloorValue => "不得分界限（可空）", "No points past (optional)";
    NewItem => "新增评分项（可空）", "New item (optional)";
    ItemIdLabel => "编号（小写字母、数字、下划线）", "Id (lower-case letters, digits, underscores)";
    GroupLabel => "分组", "Group";
    ScoredBy => "评分方式", "Scored by";
    ByPoints => "打分", "Points";
    ByPassFail => "达标与否", "Pass or fail";
    RequirementZh => "评分要求（中文）", "Requirement (Chinese)";
    RequirementEn => "评分要求（英文）", "Requirement (English)";
    NotAuditable => "这类场所不做节水评审（商店和销售网点做市场抽检）。", "This kind of site is not audited (shops and venues get market spot checks).";
    NoSheetInForce => "这天没有生效的评分表。", "No score sheet was in force on that day.";
    NotAnAudit => "这不是节水评审记录。", "This is not an audit.";
    AuditTitle => "节水评审", "Water-saving audit";
    ScoreSheetTitle => "评分表", "Score sheet";
    SheetVersion => "评分表版本", "Score sheet version";
    TotalScore => "得分", "Score";
    NormalisedScore => "折算得分（百分制）", "Normalised score (of 100)";
    PassMark => "合格线", "Pass mark";
    AuditPassed => "达到合格线", "Passes";
    AuditFailed => "未达合格线", "Does not pass";
    NotApplicable => "不适用", "Not applicable";
    ItemMet => "达标", "Met";
    ItemNotMet => "未达标", "Not met";
    PointsOf => "分，满分", "points of";
    MeasuredValue => "测量值", "Measured value";
    Target => "目标", "Target";
    ItemNote => "说明", "Note";
    ItemPhotos => "本项照片", "Photos for this item";
    NeedsEvidence => "需要照片", "Needs a photo";
    Unanswered => "未评分", "Not scored";
    FixtureCounts => "器具清点", "Fixture counts";
    FixturesInstalled => "安装数", "Installed";
    FixturesSaving => "其中节水", "Water-saving";
    FixtureRate => "节水器具普及率", "Water-saving fixture rate";
    AddFixtureCount => "添加器具类别", "Add a fixture category";
    SiteFacts => "场所基本情况", "Site facts";
    HouseholdsFound => "核实户数", "Households (verified)";
    WaterUseFound => "核实年用水量（立方米）", "Annual water use (m³, verified)";
    RegistryHas => "登记为", "Registry has";
    FactPhoto => "水表或水费单照片", "Meter or bill photo";
    SubmitAudit => "提交评审", "Submit the audit";
    AuditIncomplete => "还有评分项未完成：请给每一项评分，并为需要的项目拍照。", "Some items are not finished: score every item and take the photos each one needs.";
    WaterUsePhotoNeeded => "核实年用水量需要一张水表或水费单照片。", "A verified annual water use needs a photo of a meter or a bill.";
    RecommendTitle => "推荐申报称号", "Recommend for a title";
    RecommendedFor => "已推荐申报", "Recommended for";
    RecommendNeedsPass => "只有审核通过且达到合格线的评审才能推荐申报称号。", "Only an approved audit that passes can be recommended for a title.";
    RecordTitle => "登记已授予的称号", "Record the title awarded";
    TitleRecorded => "称号已登记，并关联到这次评审。", "The title is recorded, linked to this audit.";
    CountFromLabel => "按水效标识判定", "Judge from the label";
    RemoveCount => "删除", "Remove";
    CountJudged => "按标识判定", "From the label";
    AwardBeforeAudit => "授予日期不能早于评审日期。", "The award date cannot be before the audit.";
    TitleFromAudit => "依据评审", "From audit";
    FactsApplied => "评审通过后，核实的数据已写入场所登记（原值保留在记录中）。", "On approval the verified facts went to the registry (the old values are kept in the record).";
    FactChanged => "场所数据更正", "Site fact corrected";
}

/// A span of time as people say it: the two largest units ("2 天 3 小时", "2 days 3 hours",
/// "12 分钟", "40 seconds").
pub fn duration_text(secs: i64, lang: Lang) -> String {
    let s = secs.unsigned_abs();
    let (d, h, m) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60);
    let unit = |n: u64, zh: &str, en: &str| match lang {
        Lang::Zh => format!("{n} {zh}"),
        Lang::En if n == 1 => format!("{n} {en}"),
        Lang::En => format!("{n} {en}s"),
    };
    let parts: Vec<String> = if d > 0 {
        let mut p = vec![unit(d, "天", "day")];
        if h > 0 {
            p.push(unit(h, "小时", "hour"));
        }
        p
    } else if h > 0 {
        let mut p = vec![unit(h, "小时", "hour")];
        if m > 0 {
            p.push(unit(m, "分钟", "minute"));
        }
        p
    } else if m > 0 {
        vec![unit(m, "分钟", "minute")]
    } else {
        vec![unit(s, "秒", "second")]
    };
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(duration_text(2_261_636 * 60, Lang::Zh), "1570 天 13 小时");
        assert_eq!(
            duration_text(3 * 86_400 + 2 * 3600 + 59, Lang::En),
            "3 days 2 hours"
        );
        assert_eq!(duration_text(86_400, Lang::En), "1 day");
        assert_eq!(duration_text(-(3600 + 12 * 60), Lang::Zh), "1 小时 12 分钟");
        assert_eq!(duration_text(11 * 60 + 5, Lang::En), "11 minutes");
        assert_eq!(duration_text(40, Lang::Zh), "40 秒");
        assert_eq!(duration_text(1, Lang::En), "1 second");
    }

    #[test]
    fn unknown_cookie_values_fall_back_to_chinese() {
        assert_eq!(Lang::from_cookie("en"), Lang::En);
        assert_eq!(Lang::from_cookie("zh"), Lang::Zh);
        assert_eq!(Lang::from_cookie("fr"), Lang::Zh);
        assert_eq!(Lang::from_cookie(""), Lang::Zh);
        assert_eq!(Lang::default(), Lang::Zh);
    }

    #[test]
    fn messages_differ_by_language() {
        assert_eq!(Msg::SignIn.text(Lang::Zh), "登录");
        assert_eq!(Msg::SignIn.text(Lang::En), "Sign in");
    }
}
